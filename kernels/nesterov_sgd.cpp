#include "kernels/nesterov_sgd.hpp"

#include <stdexcept>

namespace apq {

NesterovSgd::NesterovSgd(std::vector<std::string> names, std::vector<torch::Tensor> params, std::vector<bool> decay,
                         double momentum, double weight_decay)
    : names_(std::move(names)), params_(std::move(params)), decay_(std::move(decay)), momentum_(momentum),
      weight_decay_(weight_decay) {
  if (names_.size() != params_.size() || decay_.size() != params_.size())
    throw std::invalid_argument("sgd: names, parameters and decay flags differ in number");
  for (const auto& p : params_) buffers_.push_back(torch::zeros_like(p));
}

void NesterovSgd::step(const std::vector<torch::Tensor>& grads, double lr) {
  if (grads.size() != params_.size()) throw std::invalid_argument("sgd: gradient count does not match the parameters");
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i) {
    auto& p = params_[i];
    auto g = decay_[i] && weight_decay_ != 0.0 ? grads[i] + weight_decay_ * p : grads[i];
    buffers_[i].mul_(momentum_).add_(g);
    p.sub_(g.add(buffers_[i], momentum_), lr);
  }
}

void NesterovSgd::permute_state(const torch::Tensor& param, int64_t dim, const torch::Tensor& index) {
  torch::NoGradGuard no_grad;
  for (std::size_t i = 0; i < params_.size(); ++i)
    if (params_[i].is_same(param)) {
      buffers_[i].copy_(buffers_[i].index_select(dim, index));
      return;
    }
  throw std::invalid_argument("sgd: permuted parameter is not optimised");
}

}  // namespace apq
