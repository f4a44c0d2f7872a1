// Predictor weights: initialisation, transfer, NamedArrays conversion, and the facade's
// torch-free methods. Inference lives in predictor_inference.cpp, training in predictor_training.cpp.
#include "kernels/predictor.hpp"

#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

#include "base/rng.hpp"

namespace apq {
namespace {

LinearWeights init_linear(int in, int out, Rng& rng) {
  LinearWeights layer;
  layer.in = in;
  layer.out = out;
  const double bound = 1.0 / std::sqrt(static_cast<double>(in));
  layer.weight.resize(static_cast<std::size_t>(in) * out);
  for (float& w : layer.weight) w = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  layer.bias.resize(out);
  for (float& b : layer.bias) b = static_cast<float>((2.0 * rng.uniform() - 1.0) * bound);
  return layer;
}

NamedArray weight_array(const std::string& name, const LinearWeights& layer) {
  return {name + ".weight", {layer.out, layer.in}, layer.weight};
}
NamedArray bias_array(const std::string& name, const LinearWeights& layer) {
  return {name + ".bias", {layer.out}, layer.bias};
}

const NamedArray& find_array(const NamedArrays& arrays, const std::string& name) {
  for (const NamedArray& a : arrays)
    if (a.name == name) return a;
  throw std::invalid_argument("predictor weights: array \"" + name + "\" is missing");
}

bool has_array(const NamedArrays& arrays, const std::string& name) {
  for (const NamedArray& a : arrays)
    if (a.name == name) return true;
  return false;
}

LinearWeights read_linear(const NamedArrays& arrays, const std::string& name) {
  const NamedArray& w = find_array(arrays, name + ".weight");
  const NamedArray& b = find_array(arrays, name + ".bias");
  if (w.shape.size() != 2 || w.shape[0] <= 0 || w.shape[1] <= 0)
    throw std::invalid_argument("predictor weights: \"" + w.name + "\" must be a non-empty matrix");
  if (static_cast<std::int64_t>(w.values.size()) != w.shape[0] * w.shape[1])
    throw std::invalid_argument("predictor weights: \"" + w.name + "\" holds the wrong number of values");
  if (b.shape.size() != 1 || b.shape[0] != w.shape[0] || static_cast<std::int64_t>(b.values.size()) != b.shape[0])
    throw std::invalid_argument("predictor weights: \"" + b.name + "\" does not match \"" + w.name + "\"");
  LinearWeights layer;
  layer.out = static_cast<int>(w.shape[0]);
  layer.in = static_cast<int>(w.shape[1]);
  layer.weight = w.values;
  layer.bias = b.values;
  return layer;
}

// Zero, because its input is in raw units (log2 BitOps, about 20-35) outside training, which
// standardizes it; a zero start is the same function in either unit.
LinearWeights zero_bitops_layer(int out) {
  LinearWeights layer;
  layer.in = 1;
  layer.out = out;
  layer.weight.assign(out, 0.0f);
  layer.bias.assign(out, 0.0f);
  return layer;
}

}  // namespace

double bitops_input_value(double bitops) { return std::log2(bitops); }

double bitops_input_value(const CostModel& costs, const Arch& arch, const Policy& policy) {
  return bitops_input_value(costs.costs(arch, policy).bitops);
}

float clamped_bitops_input(double value, float low, float high) {
  return std::min(std::max(static_cast<float>(value), low), high);
}

PredictorWeights init_predictor_weights(const Encoding& encoding, const PredictorConfig& config, std::uint64_t seed) {
  if (config.hidden.empty()) throw std::invalid_argument("predictor: needs at least one hidden layer");
  for (int h : config.hidden)
    if (h <= 0) throw std::invalid_argument("predictor: hidden size " + std::to_string(h) + " must be positive");
  Rng rng(derive_seed(seed, stream_tag("predictor-init"), 0));
  PredictorWeights w;
  w.arch_layer = init_linear(encoding.arch_size(), config.hidden[0], rng);
  for (std::size_t i = 1; i < config.hidden.size(); ++i)
    w.hidden_layers.push_back(init_linear(config.hidden[i - 1], config.hidden[i], rng));
  w.output_layer = init_linear(config.hidden.back(), 1, rng);
  if (config.quantization_aware) {
    Rng policy_rng(derive_seed(seed, stream_tag("predictor-policy-init"), 0));
    w.policy_layer = init_linear(encoding.policy_size(), config.hidden[0], policy_rng);
    if (config.bitops_input) w.bitops_layer = zero_bitops_layer(config.hidden[0]);
  } else if (config.bitops_input) {
    throw std::invalid_argument("predictor: only a quantization-aware predictor takes BitOps");
  }
  return w;
}

PredictorWeights transfer_weights(const PredictorWeights& full_precision, int policy_size, std::uint64_t seed,
                                  bool zero_policy_layer, bool bitops_input) {
  if (full_precision.quantization_aware())
    throw std::invalid_argument("predictor transfer: the source is already quantization-aware");
  if (policy_size <= 0) throw std::invalid_argument("predictor transfer: policy size must be positive");
  PredictorWeights w = full_precision;  // exact copy of every shared weight
  Rng rng(derive_seed(seed, stream_tag("predictor-policy-init"), 0));
  w.policy_layer = init_linear(policy_size, full_precision.arch_layer.out, rng);
  if (zero_policy_layer) {
    std::fill(w.policy_layer.weight.begin(), w.policy_layer.weight.end(), 0.0f);
    std::fill(w.policy_layer.bias.begin(), w.policy_layer.bias.end(), 0.0f);
  }
  if (bitops_input) w.bitops_layer = zero_bitops_layer(full_precision.arch_layer.out);
  return w;
}

NamedArrays to_named_arrays(const PredictorWeights& w) {
  NamedArrays out{weight_array("arch", w.arch_layer), bias_array("arch", w.arch_layer)};
  if (w.quantization_aware()) {
    out.push_back(weight_array("policy", w.policy_layer));
    out.push_back(bias_array("policy", w.policy_layer));
  }
  if (w.bitops_input()) {
    out.push_back(weight_array("bitops", w.bitops_layer));
    out.push_back(bias_array("bitops", w.bitops_layer));
    out.push_back({"bitops.range", {2}, {w.bitops_low, w.bitops_high}});
  }
  for (std::size_t i = 0; i < w.hidden_layers.size(); ++i) {
    out.push_back(weight_array("hidden." + std::to_string(i), w.hidden_layers[i]));
    out.push_back(bias_array("hidden." + std::to_string(i), w.hidden_layers[i]));
  }
  out.push_back(weight_array("output", w.output_layer));
  out.push_back(bias_array("output", w.output_layer));
  return out;
}

PredictorWeights from_named_arrays(const NamedArrays& arrays) {
  PredictorWeights w;
  w.arch_layer = read_linear(arrays, "arch");
  int width = w.arch_layer.out;
  if (has_array(arrays, "policy.weight")) {
    w.policy_layer = read_linear(arrays, "policy");
    if (w.policy_layer.out != width)
      throw std::invalid_argument("predictor weights: policy layer width does not match the first hidden layer");
  }
  if (has_array(arrays, "bitops.weight")) {
    w.bitops_layer = read_linear(arrays, "bitops");
    if (!w.quantization_aware() || w.bitops_layer.in != 1 || w.bitops_layer.out != width)
      throw std::invalid_argument("predictor weights: the bitops layer must map 1 value to the first hidden layer of a "
                                  "quantization-aware predictor");
    const NamedArray& range = find_array(arrays, "bitops.range");
    if (range.shape != std::vector<std::int64_t>{2} || range.values.size() != 2 || !(range.values[0] <= range.values[1]))
      throw std::invalid_argument("predictor weights: \"bitops.range\" must hold a low and a high value, low <= high");
    w.bitops_low = range.values[0];
    w.bitops_high = range.values[1];
  }
  for (int i = 0; has_array(arrays, "hidden." + std::to_string(i) + ".weight"); ++i) {
    w.hidden_layers.push_back(read_linear(arrays, "hidden." + std::to_string(i)));
    if (w.hidden_layers.back().in != width)
      throw std::invalid_argument("predictor weights: hidden." + std::to_string(i) + " input size does not match");
    width = w.hidden_layers.back().out;
  }
  w.output_layer = read_linear(arrays, "output");
  if (w.output_layer.in != width || w.output_layer.out != 1)
    throw std::invalid_argument("predictor weights: output layer must map " + std::to_string(width) + " values to 1");
  return w;
}

PredictorMetrics PredictorHandle::train(const PredictorDataset& data, const TrainOptions& options) {
  PredictorMetrics m = train_predictor(weights_, *encoding_, data, options, fresh_);
  fresh_ = false;
  rebuild_engine();
  return m;
}

PredictorMetrics PredictorHandle::evaluate(const PredictorDataset& data) const {
  std::vector<float> predicted(data.archs.size());
  predict(data.archs, data.policies, predicted.data());
  return evaluate_predictions(predicted, data.accuracy);
}

PredictorHandle PredictorHandle::transfer(std::uint64_t seed, bool zero_policy_layer, bool bitops_input) const {
  return PredictorHandle(*encoding_,
                         transfer_weights(weights_, encoding_->policy_size(), seed, zero_policy_layer, bitops_input));
}

PredictorHandle PredictorHandle::load(const Encoding& encoding, const NamedArrays& arrays) {
  return PredictorHandle(encoding, from_named_arrays(arrays));
}

float PredictorHandle::predict_one(const Arch& arch, const Policy* policy) const {
  const Arch* a = &arch;
  float out = 0.0f;
  predict(1, &a, policy ? &policy : nullptr, &out);
  return out;
}

}  // namespace apq
