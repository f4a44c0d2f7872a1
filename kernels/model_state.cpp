#include "kernels/model_state.hpp"

#include <stdexcept>
#include <utility>
#include <vector>

namespace apq {
namespace {

std::string shape_text(const std::vector<int64_t>& shape) {
  std::string out = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) out += (i ? "," : "") + std::to_string(shape[i]);
  return out + "]";
}

// Checks all (tensor, array) pairs first, then copies: a bad checkpoint changes nothing.
void copy_all(const std::vector<std::pair<torch::Tensor, const NamedArray*>>& targets) {
  for (const auto& [tensor, array] : targets) {
    const std::vector<int64_t> shape(tensor.sizes().begin(), tensor.sizes().end());
    if (shape != array->shape)
      throw std::invalid_argument("model state: array " + array->name + " has shape " + shape_text(array->shape) +
                                  ", the model wants " + shape_text(shape));
  }
  torch::NoGradGuard no_grad;
  for (const auto& [tensor, array] : targets) {
    auto t = tensor;  // shares storage
    t.copy_(from_named_array(*array));
  }
}

}  // namespace

NamedArray to_named_array(const std::string& name, const torch::Tensor& tensor) {
  NamedArray a;
  a.name = name;
  a.shape.assign(tensor.sizes().begin(), tensor.sizes().end());
  const auto values = tensor.detach().to(torch::kFloat).contiguous();
  a.values.assign(values.data_ptr<float>(), values.data_ptr<float>() + values.numel());
  return a;
}

torch::Tensor from_named_array(const NamedArray& array) {
  int64_t n = 1;
  for (int64_t d : array.shape) n *= d;
  if (n != static_cast<int64_t>(array.values.size()))
    throw std::invalid_argument("model state: array " + array.name + " holds " + std::to_string(array.values.size()) +
                                " values for shape " + shape_text(array.shape));
  return torch::from_blob(const_cast<float*>(array.values.data()), array.shape, torch::kFloat).clone();
}

const NamedArray* find_array_or_null(const NamedArrays& arrays, const std::string& name) {
  for (const auto& a : arrays)
    if (a.name == name) return &a;
  return nullptr;
}

const NamedArray& find_array(const NamedArrays& arrays, const std::string& name) {
  const NamedArray* a = find_array_or_null(arrays, name);
  if (!a) throw std::invalid_argument("model state: array " + name + " is missing");
  return *a;
}

void append_module_state(const torch::nn::Module& module, const std::string& prefix, NamedArrays& out) {
  for (const auto& item : module.named_parameters()) out.push_back(to_named_array(prefix + item.key(), item.value()));
  for (const auto& item : module.named_buffers()) out.push_back(to_named_array(prefix + item.key(), item.value()));
}

void load_module_state(torch::nn::Module& module, const std::string& prefix, const NamedArrays& arrays) {
  std::vector<std::pair<torch::Tensor, const NamedArray*>> targets;
  for (const auto& item : module.named_parameters()) targets.emplace_back(item.value(), &find_array(arrays, prefix + item.key()));
  for (const auto& item : module.named_buffers()) targets.emplace_back(item.value(), &find_array(arrays, prefix + item.key()));
  copy_all(targets);
}

void append_optimizer_state(const NesterovSgd& sgd, const std::string& prefix, NamedArrays& out) {
  for (std::size_t i = 0; i < sgd.names().size(); ++i)
    out.push_back(to_named_array(prefix + sgd.names()[i], sgd.momentum_buffers()[i]));
}

void load_optimizer_state(NesterovSgd& sgd, const std::string& prefix, const NamedArrays& arrays) {
  std::vector<std::pair<torch::Tensor, const NamedArray*>> targets;
  for (std::size_t i = 0; i < sgd.names().size(); ++i)
    targets.emplace_back(sgd.momentum_buffers()[i], &find_array(arrays, prefix + sgd.names()[i]));
  copy_all(targets);
}

}  // namespace apq
