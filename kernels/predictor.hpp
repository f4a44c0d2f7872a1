// The accuracy predictor (APQ stages 4 and 5), torch-free facade for actors and the search.
//
// Full-precision predictor: arch one-hot -> Linear -> ReLU -> [Linear -> ReLU] x (layers-1) -> Linear -> 1.
// Quantization-aware predictor: the same, plus a policy layer (policy one-hot -> Linear) whose
// output is added to the first hidden layer after its ReLU. Transfer copies every shared weight
// from the trained full-precision predictor exactly; only the policy layer is new.
// Optionally it also takes the subnet's log2(BitOps) (one number, through its own Linear, added
// like the policy layer's output): a one-hot policy says which bits each layer has but not how
// much of the work each layer is, and with few quantized labels the network does not learn that
// product (measured: docs/PREDICTOR-AND-SEARCH.md, "The BitOps input").
//
// Inference scores a whole batch in one pass: the inputs are one-hot, so the first layer is a sum
// of selected weight rows (Encoding::arch_hot/policy_hot); the hidden layers are GEMMs.
// Training (predictor_training.cpp) uses LibTorch; nothing here includes it.
#pragma once
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "base/named_arrays.hpp"
#include "kernels/cost_model.hpp"
#include "kernels/encoding.hpp"
#include "kernels/inference_precision.hpp"
#include "kernels/predictor_metrics.hpp"

namespace apq {

struct PredictorConfig {
  std::vector<int> hidden{400, 400, 400};  // hidden layer sizes; at least one
  bool quantization_aware = false;
  bool bitops_input = false;  // quantization-aware only: also take log2(BitOps)
};

// One linear layer in PyTorch's nn.Linear layout: weight is [out x in] row-major.
struct LinearWeights {
  int in = 0, out = 0;
  std::vector<float> weight;
  std::vector<float> bias;
};

struct PredictorWeights {
  LinearWeights arch_layer;                  // arch encoding -> hidden[0], then ReLU
  LinearWeights policy_layer;                // policy encoding -> hidden[0], added after that ReLU; out == 0 if FP
  LinearWeights bitops_layer;                // log2(BitOps) -> hidden[0], added likewise; out == 0 if not taken
  // The BitOps input is clamped into the range its training pairs spanned: a linear term would
  // otherwise extrapolate beyond the labels (measured: 1.8 points low on uniform 4 bits, 13% below
  // the quick run's fewest-BitOps label). Infinite until trained.
  float bitops_low = -std::numeric_limits<float>::infinity();
  float bitops_high = std::numeric_limits<float>::infinity();
  std::vector<LinearWeights> hidden_layers;  // hidden[i-1] -> hidden[i], each followed by ReLU
  LinearWeights output_layer;                // hidden.back() -> 1
  bool quantization_aware() const { return policy_layer.out > 0; }
  bool bitops_input() const { return bitops_layer.out > 0; }
  // Training sets the range with the layer; a layer without one (fresh or just transferred, zero)
  // is drawn anew when training starts.
  bool bitops_trained() const { return std::isfinite(bitops_low); }
};

// The BitOps input of one subnet: log2 of its BitOps (Costs::bitops, kernels/cost_model.hpp),
// before the clamp.
double bitops_input_value(double bitops);
double bitops_input_value(const CostModel& costs, const Arch& arch, const Policy& policy);
// That value clamped into a trained range (PredictorWeights::bitops_low, bitops_high).
float clamped_bitops_input(double value, float low, float high);

// Fresh weights, PyTorch's default nn.Linear init (uniform +-1/sqrt(fan_in)) drawn from apq::Rng.
PredictorWeights init_predictor_weights(const Encoding& encoding, const PredictorConfig& config, std::uint64_t seed);
// Quantization-aware weights from a full-precision predictor: every shared weight copied exactly,
// the policy layer drawn fresh (or zero, so the transferred predictor starts equal to the FP one).
// The BitOps layer, when taken, starts at zero and untrained (no range): training draws it in
// standardized units, since its input is standardized only there.
PredictorWeights transfer_weights(const PredictorWeights& full_precision, int policy_size, std::uint64_t seed,
                                  bool zero_policy_layer = false, bool bitops_input = false);

// Names follow a PyTorch state_dict: arch.weight/bias, policy.weight/bias, bitops.weight/bias,
// hidden.<i>.weight/bias, output.weight/bias; bitops.range holds [bitops_low, bitops_high].
// Loading checks every shape and throws std::invalid_argument naming the array.
NamedArrays to_named_arrays(const PredictorWeights& weights);
PredictorWeights from_named_arrays(const NamedArrays& arrays);

// Training pairs. policies is empty for the full-precision predictor, else one per arch.
struct PredictorDataset {
  std::vector<Arch> archs;
  std::vector<Policy> policies;
  std::vector<float> accuracy;  // targets in [0, 1]
};

struct TrainOptions {
  double learning_rate = 1e-3;  // Adam
  double weight_decay = 1e-4;   // Adam's (coupled) L2 term
  int batch_size = 256;
  int max_epochs = 400;
  int patience = 30;               // stop after this many epochs without a better held-out loss
  double holdout_fraction = 0.2;   // held out for early stopping and metrics
  std::uint64_t seed = 1;          // split, shuffling (base/rng.hpp)
};

// Trains weights in place (the best held-out epoch is kept) and returns held-out metrics.
// Deterministic for a seed at a fixed number of compute threads. When reset_output_bias is set the
// output bias starts at the mean training accuracy. Throws std::invalid_argument on bad data.
PredictorMetrics train_predictor(PredictorWeights& weights, const Encoding& encoding, const PredictorDataset& data,
                                 const TrainOptions& options, bool reset_output_bias);

// The facade: owns weights and the scratch buffers of batched inference. predict() is not
// thread-safe (scratch); use one handle per thread or actor. The encoding's space must outlive it.
class PredictorHandle {
 public:
  PredictorHandle(const Encoding& encoding, const PredictorConfig& config, std::uint64_t seed);
  PredictorHandle(const Encoding& encoding, PredictorWeights weights);  // checks sizes against the encoding
  ~PredictorHandle();
  PredictorHandle(PredictorHandle&&) noexcept;
  PredictorHandle& operator=(PredictorHandle&&) noexcept;

  bool quantization_aware() const { return weights_.quantization_aware(); }
  const PredictorWeights& weights() const { return weights_; }
  const Encoding& encoding() const { return *encoding_; }

  // out[i] = predicted accuracy of (archs[i], policies[i]); a full-precision predictor ignores
  // policies (may be empty). A quantization-aware one needs one policy per arch, with the real bits.
  void predict(const std::vector<Arch>& archs, const std::vector<Policy>& policies, float* out) const;
  // Pointer form (no copies): policies may be null for a full-precision predictor. A predictor
  // with the BitOps input takes bitops[i], candidate i's Costs::bitops, when the caller has them
  // (the search has just computed them), else computes them itself; others ignore bitops.
  void predict(std::size_t n, const Arch* const* archs, const Policy* const* policies, float* out,
               const double* bitops = nullptr) const;
  float predict_one(const Arch& arch, const Policy* policy = nullptr) const;

  // The first training of a freshly initialised handle starts the output bias at the mean accuracy;
  // a loaded or transferred handle keeps its bias.
  PredictorMetrics train(const PredictorDataset& data, const TrainOptions& options);
  // Metrics of the current weights on the given pairs (all of them).
  PredictorMetrics evaluate(const PredictorDataset& data) const;
  // A quantization-aware handle initialised from this (full-precision, trained) one.
  PredictorHandle transfer(std::uint64_t seed, bool zero_policy_layer = false, bool bitops_input = false) const;

  // bf16: the hidden-layer GEMMs in bfloat16, about 2x faster on CPUs with AVX512-BF16; predictions
  // then differ from fp32 by about 1e-3 (measured in bench/search_bench). Falls back to fp32 on
  // CPUs without it (emulated bf16 would be slower); inference_precision() tells what is used.
  // Kept across train().
  void set_inference_precision(InferencePrecision precision);
  InferencePrecision inference_precision() const { return precision_; }

  NamedArrays save() const { return to_named_arrays(weights_); }
  static PredictorHandle load(const Encoding& encoding, const NamedArrays& arrays);

 private:
  struct Engine;
  void rebuild_engine();
  const Encoding* encoding_;
  PredictorWeights weights_;
  bool fresh_ = false;
  InferencePrecision precision_ = InferencePrecision::fp32;
  std::unique_ptr<Engine> engine_;
};

}  // namespace apq
