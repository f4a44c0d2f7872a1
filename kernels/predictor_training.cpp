// Training of the predictor with LibTorch: Adam, mini-batches, a held-out split, early stopping on
// the held-out loss (the best epoch's weights are kept). All randomness (split, shuffling) comes
// from base/rng.hpp; weights start from the PredictorWeights given (init or transfer).
//
// The network trains on standardized targets (the training part's mean and standard deviation)
// and the output layer is rescaled into accuracy units on the way in and out, so stored weights
// and predictions stay in accuracy units. Accuracy labels of one space differ by fractions of a
// point (std 0.002-0.009), far below the output scale of a freshly initialised network; on raw
// targets Adam spends its early-stopping window shrinking the output and the held-out tau on
// fmnist.ini's FP labels was 0.58, against 0.65 standardized (docs/PREDICTOR-AND-SEARCH.md).
// The BitOps input (log2 BitOps, raw about 20-35) is standardized the same way, by rescaling its
// layer on the way in and out.
#include <torch/optim/adam.h>
#include <torch/torch.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "base/rng.hpp"
#include "kernels/predictor.hpp"

namespace apq {
namespace {

struct TorchLinear {
  at::Tensor weight, bias;  // [out x in], [out]
};

TorchLinear to_torch(const LinearWeights& layer) {
  TorchLinear t;
  t.weight = torch::tensor(layer.weight).reshape({layer.out, layer.in}).clone().set_requires_grad(true);
  t.bias = torch::tensor(layer.bias).clone().set_requires_grad(true);
  return t;
}

void from_torch(const TorchLinear& t, LinearWeights& layer) {
  at::Tensor w = t.weight.detach().contiguous();
  at::Tensor b = t.bias.detach().contiguous();
  std::copy(w.data_ptr<float>(), w.data_ptr<float>() + w.numel(), layer.weight.begin());
  std::copy(b.data_ptr<float>(), b.data_ptr<float>() + b.numel(), layer.bias.begin());
}

struct TorchPredictor {
  TorchLinear arch, policy, bitops;
  std::vector<TorchLinear> hidden;
  TorchLinear output;
  bool quantization_aware = false, bitops_input = false;

  explicit TorchPredictor(const PredictorWeights& w)
      : quantization_aware(w.quantization_aware()), bitops_input(w.bitops_input()) {
    arch = to_torch(w.arch_layer);
    if (quantization_aware) policy = to_torch(w.policy_layer);
    if (bitops_input) bitops = to_torch(w.bitops_layer);
    for (const LinearWeights& layer : w.hidden_layers) hidden.push_back(to_torch(layer));
    output = to_torch(w.output_layer);
  }
  std::vector<at::Tensor*> parameters() {
    std::vector<at::Tensor*> p{&arch.weight, &arch.bias};
    if (quantization_aware) p.insert(p.end(), {&policy.weight, &policy.bias});
    if (bitops_input) p.insert(p.end(), {&bitops.weight, &bitops.bias});
    for (TorchLinear& layer : hidden) p.insert(p.end(), {&layer.weight, &layer.bias});
    p.insert(p.end(), {&output.weight, &output.bias});
    return p;
  }
  // bitops_z: [n x 1] standardized log2 BitOps, undefined unless the predictor takes them.
  at::Tensor forward(const at::Tensor& arch_code, const at::Tensor& policy_code, const at::Tensor& bitops_z) const {
    at::Tensor x = torch::relu(torch::addmm(arch.bias, arch_code, arch.weight.t()));
    if (quantization_aware) x = x + torch::addmm(policy.bias, policy_code, policy.weight.t());
    if (bitops_input) x = x + torch::addmm(bitops.bias, bitops_z, bitops.weight.t());
    for (const TorchLinear& layer : hidden) x = torch::relu(torch::addmm(layer.bias, x, layer.weight.t()));
    return torch::addmm(output.bias, x, output.weight.t()).squeeze(1);
  }
};

void check_dataset(const PredictorWeights& w, const PredictorDataset& data, const TrainOptions& options) {
  const std::size_t n = data.archs.size();
  if (data.accuracy.size() != n)
    throw std::invalid_argument("predictor training: " + std::to_string(data.accuracy.size()) + " accuracies for " +
                                std::to_string(n) + " architectures");
  if (w.quantization_aware() && data.policies.size() != n)
    throw std::invalid_argument("predictor training: the quantization-aware predictor needs one policy per arch (got " +
                                std::to_string(data.policies.size()) + " for " + std::to_string(n) + ")");
  if (!(options.holdout_fraction > 0.0 && options.holdout_fraction < 1.0))
    throw std::invalid_argument("predictor training: holdout_fraction must be in (0, 1)");
  if (options.batch_size < 1 || options.max_epochs < 1 || options.patience < 1)
    throw std::invalid_argument("predictor training: batch_size, max_epochs and patience must be positive");
  for (float a : data.accuracy)
    if (!std::isfinite(a)) throw std::invalid_argument("predictor training: an accuracy target is not finite");
}

at::Tensor encode_rows(const std::vector<int>& rows, int width, const std::vector<std::vector<int>>& hot) {
  at::Tensor t = torch::zeros({static_cast<long>(rows.size()), width});
  float* p = t.data_ptr<float>();
  for (std::size_t r = 0; r < rows.size(); ++r)
    for (int h : hot[rows[r]]) p[r * width + h] = 1.0f;
  return t;
}

// y = scale * z + shift: the output layer maps between standardized units (z) and accuracy units (y).
struct TargetScale {
  float shift = 0.0f, scale = 1.0f;
};

TargetScale target_scale(const at::Tensor& y) {
  TargetScale s;
  s.shift = y.mean().item<float>();
  const float sd = y.numel() > 1 ? y.std().item<float>() : 0.0f;
  s.scale = sd > 1e-12f ? sd : 1.0f;  // identical labels: nothing to standardize
  return s;
}

// Output layer from accuracy units into standardized ones (to_standard) or back.
void rescale_output(TorchLinear& output, const TargetScale& s, bool to_standard) {
  torch::NoGradGuard no_grad;
  if (to_standard) {
    output.weight.div_(s.scale);
    output.bias.sub_(s.shift).div_(s.scale);
  } else {
    output.weight.mul_(s.scale);
    output.bias.mul_(s.scale).add_(s.shift);
  }
}

// The BitOps layer from raw log2 BitOps (x = scale * z + shift) into standardized ones or back:
// w x + b = (w scale) z + (b + w shift).
void rescale_bitops(TorchLinear& layer, const TargetScale& s, bool to_standard) {
  torch::NoGradGuard no_grad;
  if (to_standard) {
    layer.bias.add_(layer.weight.squeeze(1) * s.shift);
    layer.weight.mul_(s.scale);
  } else {
    layer.weight.div_(s.scale);
    layer.bias.sub_(layer.weight.squeeze(1) * s.shift);
  }
}

// An untrained BitOps layer (PredictorWeights::bitops_trained) starts at nn.Linear's default for one
// input, uniform in [-1, 1], in standardized units: from zero, Adam's bounded steps leave it too
// small to matter before early stopping (measured: weights 0.02-0.05 after 12-60 epochs).
void start_bitops_layer(TorchLinear& layer, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  Rng rng(derive_seed(seed, stream_tag("predictor-bitops-init"), 0));
  float* w = layer.weight.data_ptr<float>();
  float* b = layer.bias.data_ptr<float>();
  for (int64_t j = 0; j < layer.weight.numel(); ++j) w[j] = static_cast<float>(2.0 * rng.uniform() - 1.0);
  for (int64_t j = 0; j < layer.bias.numel(); ++j) b[j] = static_cast<float>(2.0 * rng.uniform() - 1.0);
}

}  // namespace

PredictorMetrics train_predictor(PredictorWeights& weights, const Encoding& encoding, const PredictorDataset& data,
                                 const TrainOptions& options, bool reset_output_bias) {
  check_dataset(weights, data, options);
  const int n = static_cast<int>(data.archs.size());
  const int n_hold = static_cast<int>(std::lround(options.holdout_fraction * n));
  if (n_hold < 2 || n - n_hold < 2)
    throw std::invalid_argument("predictor training: " + std::to_string(n) + " pairs are too few for a held-out split");

  // One-hot positions per pair (the encoder validates every arch and policy).
  std::vector<std::vector<int>> arch_hot(n), policy_hot(weights.quantization_aware() ? n : 0);
  for (int i = 0; i < n; ++i) encoding.arch_hot(data.archs[i], arch_hot[i]);
  for (int i = 0; i < static_cast<int>(policy_hot.size()); ++i) encoding.policy_hot(data.archs[i], data.policies[i], policy_hot[i]);

  // Deterministic split: Fisher-Yates with apq::Rng.
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng split_rng(derive_seed(options.seed, stream_tag("predictor-split"), 0));
  for (int i = n - 1; i > 0; --i) std::swap(order[i], order[split_rng.below(i + 1)]);
  const std::vector<int> hold(order.begin(), order.begin() + n_hold);
  std::vector<int> train(order.begin() + n_hold, order.end());

  auto targets = [&](const std::vector<int>& rows) {
    std::vector<float> y(rows.size());
    for (std::size_t r = 0; r < rows.size(); ++r) y[r] = data.accuracy[rows[r]];
    return torch::tensor(y);
  };
  const bool qa = weights.quantization_aware();
  const at::Tensor hold_arch = encode_rows(hold, encoding.arch_size(), arch_hot);
  const at::Tensor hold_policy = qa ? encode_rows(hold, encoding.policy_size(), policy_hot) : at::Tensor();
  const at::Tensor hold_y = targets(hold);
  at::Tensor train_arch_all = encode_rows(train, encoding.arch_size(), arch_hot);
  at::Tensor train_policy_all = qa ? encode_rows(train, encoding.policy_size(), policy_hot) : at::Tensor();
  const at::Tensor train_y_all = targets(train);
  const TargetScale scale = target_scale(train_y_all);
  const at::Tensor train_z_all = (train_y_all - scale.shift) / scale.scale;
  const at::Tensor hold_z = (hold_y - scale.shift) / scale.scale;
  // The BitOps column, standardized by the training part's mean and deviation.
  const bool takes_bitops = weights.bitops_input();
  at::Tensor hold_bitops, train_bitops_all;
  TargetScale bitops_scale;
  float bitops_low = -std::numeric_limits<float>::infinity(), bitops_high = std::numeric_limits<float>::infinity();
  if (takes_bitops) {
    const CostModel costs(encoding.space());
    auto column = [&](const std::vector<int>& rows) {
      std::vector<float> x(rows.size());
      for (std::size_t r = 0; r < rows.size(); ++r)
        x[r] = clamped_bitops_input(bitops_input_value(costs, data.archs[rows[r]], data.policies[rows[r]]), bitops_low,
                                    bitops_high);
      return torch::tensor(x).unsqueeze(1);
    };
    train_bitops_all = column(train);  // unclamped: the range is still infinite
    bitops_low = train_bitops_all.min().item<float>();
    bitops_high = train_bitops_all.max().item<float>();
    bitops_scale = target_scale(train_bitops_all);
    train_bitops_all = (train_bitops_all - bitops_scale.shift) / bitops_scale.scale;
    hold_bitops = (column(hold) - bitops_scale.shift) / bitops_scale.scale;
  }

  TorchPredictor model(weights);
  if (reset_output_bias) {  // fresh weights: their scale means nothing yet, start at the mean label
    torch::NoGradGuard no_grad;
    model.output.bias.zero_();
  } else {  // trained or transferred weights: the same function, in standardized units
    rescale_output(model.output, scale, true);
  }
  if (takes_bitops) {
    if (!weights.bitops_trained()) start_bitops_layer(model.bitops, options.seed);
    else rescale_bitops(model.bitops, bitops_scale, true);
  }
  std::vector<at::Tensor> params;
  for (at::Tensor* p : model.parameters()) params.push_back(*p);
  torch::optim::Adam optimizer(params, torch::optim::AdamOptions(options.learning_rate).weight_decay(options.weight_decay));

  auto holdout_loss = [&]() {
    torch::NoGradGuard no_grad;
    return torch::mse_loss(model.forward(hold_arch, hold_policy, hold_bitops), hold_z).item<double>();
  };
  PredictorWeights best = weights;
  auto keep_best = [&]() {
    from_torch(model.arch, best.arch_layer);
    if (qa) from_torch(model.policy, best.policy_layer);
    if (takes_bitops) {
      TorchLinear raw{model.bitops.weight.detach().clone(), model.bitops.bias.detach().clone()};
      rescale_bitops(raw, bitops_scale, false);
      from_torch(raw, best.bitops_layer);
      best.bitops_low = bitops_low;
      best.bitops_high = bitops_high;
    }
    for (std::size_t i = 0; i < model.hidden.size(); ++i) from_torch(model.hidden[i], best.hidden_layers[i]);
    TorchLinear output{model.output.weight.detach().clone(), model.output.bias.detach().clone()};
    rescale_output(output, scale, false);
    from_torch(output, best.output_layer);
  };
  double best_loss = holdout_loss();
  keep_best();
  PredictorMetrics metrics;
  const int n_train = static_cast<int>(train.size());
  const int batch = std::min(options.batch_size, n_train);
  std::vector<long> perm(n_train);
  for (int epoch = 1; epoch <= options.max_epochs; ++epoch) {
    std::iota(perm.begin(), perm.end(), 0L);
    Rng shuffle_rng(derive_seed(options.seed, stream_tag("predictor-shuffle"), static_cast<std::uint64_t>(epoch)));
    for (int i = n_train - 1; i > 0; --i) std::swap(perm[i], perm[shuffle_rng.below(i + 1)]);
    const at::Tensor perm_t = torch::tensor(perm, torch::kLong);
    for (int start = 0; start + batch <= n_train; start += batch) {  // drop the ragged last batch
      const at::Tensor idx = perm_t.slice(0, start, start + batch);
      const at::Tensor xa = train_arch_all.index_select(0, idx);
      const at::Tensor xp = qa ? train_policy_all.index_select(0, idx) : at::Tensor();
      const at::Tensor xb = takes_bitops ? train_bitops_all.index_select(0, idx) : at::Tensor();
      optimizer.zero_grad();
      const at::Tensor loss = torch::mse_loss(model.forward(xa, xp, xb), train_z_all.index_select(0, idx));
      loss.backward();
      optimizer.step();
    }
    metrics.epochs = epoch;
    const double loss = holdout_loss();
    if (loss < best_loss) {
      best_loss = loss;
      metrics.best_epoch = epoch;
      keep_best();
    } else if (epoch - metrics.best_epoch >= options.patience) {
      break;
    }
  }
  weights = best;

  TorchPredictor final_model(weights);
  if (takes_bitops) rescale_bitops(final_model.bitops, bitops_scale, true);  // it reads the standardized columns
  torch::NoGradGuard no_grad;
  const at::Tensor hold_pred = final_model.forward(hold_arch, hold_policy, hold_bitops).contiguous();
  const std::vector<float> predicted(hold_pred.data_ptr<float>(), hold_pred.data_ptr<float>() + hold_pred.numel());
  const std::vector<float> truth(hold_y.data_ptr<float>(), hold_y.data_ptr<float>() + hold_y.numel());
  const PredictorMetrics quality = evaluate_predictions(predicted, truth);
  metrics.count = quality.count;
  metrics.rmse = quality.rmse;
  metrics.pearson = quality.pearson;
  metrics.kendall_tau = quality.kendall_tau;
  metrics.kendall_tau_se = quality.kendall_tau_se;
  metrics.holdout_loss = best_loss * scale.scale * scale.scale;  // in accuracy units
  metrics.train_count = n_train;
  metrics.holdout_index = hold;
  metrics.holdout_truth = truth;
  metrics.holdout_predicted = predicted;
  metrics.train_loss = torch::mse_loss(final_model.forward(train_arch_all, train_policy_all, train_bitops_all), train_y_all).item<double>();
  return metrics;
}

}  // namespace apq
