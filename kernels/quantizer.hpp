// Fake quantizers with straight-through gradients (LibTorch; for kernels, tests and bench only).
//   weights:      symmetric linear, range max|W| per output channel (default) or per tensor,
//                 scale = range / (2^(b-1) - 1), round, gradient passes straight through.
//   unsigned act: inputs after ReLU6 clipped to [0, alpha], scale alpha / (2^b - 1); the gradient
//                 passes inside the range and stops outside; alpha gets the PACT gradient (the
//                 upstream gradient of the values clipped at alpha). alpha starts at 6.
//   signed act:   block inputs (no ReLU before them) clipped to [-alpha, alpha] with 1 sign bit and
//                 b-1 magnitude bits: scale alpha / (2^(b-1) - 1). Each bit is counted once.
// Bits 2..8. Calibration observes float activations: max for >= 5 bits, KL threshold below 5
// (histogram of |x| without the exact zeros, which every range represents).
#pragma once
#include <functional>
#include <vector>

#include <torch/torch.h>

namespace apq {

// Throws std::invalid_argument "<what>: <bits> bits outside 2..8".
void check_bits(int bits, const char* what);

enum class WeightGranularity { per_channel, per_tensor };
enum class ActKind { unsigned_clip, signed_clip };

// Per-channel scale has shape [C, 1, ...] (C = dim 0), per-tensor a 0-d tensor; never below 1e-12.
torch::Tensor weight_scale(const torch::Tensor& w, int bits, WeightGranularity granularity);
torch::Tensor fake_quant_weight(const torch::Tensor& w, int bits,
                                WeightGranularity granularity = WeightGranularity::per_channel);
// An activation quantizer's clip range and step, in float as the quantizers compute them:
// [-alpha, alpha] or [0, alpha], scale alpha / levels clamped at 1e-12. (ActQuantizer clamps
// its alpha at 1e-4 before.)
struct ActRange {
  float lower, upper, scale;
};
ActRange act_range(float alpha, int bits, ActKind kind);
torch::Tensor fake_quant_unsigned(const torch::Tensor& x, const torch::Tensor& alpha, int bits);
torch::Tensor fake_quant_signed(const torch::Tensor& x, const torch::Tensor& alpha, int bits);

// Bits at or above which calibration uses the observed maximum; below it, the KL threshold.
constexpr int kKlBelowBits = 5;
constexpr int kCalibrationBins = 2048;

// An activation quantizer with a learned range alpha (a parameter named "alpha").
class ActQuantizerImpl : public torch::nn::Module {
 public:
  enum class Mode { quantize, passthrough, observe_max, observe_histogram };

  ActQuantizerImpl(int bits, ActKind kind, double initial_alpha = 6.0);
  torch::Tensor forward(const torch::Tensor& x);

  int bits() const { return bits_; }
  ActKind kind() const { return kind_; }
  double alpha_value() const { return alpha.item<double>(); }
  void set_alpha(double value);
  Mode mode() const { return mode_; }
  // Entering observe_max clears the observations; observe_histogram keeps the max found before.
  void set_mode(Mode mode);
  // Sets alpha from the observations (max, or KL threshold below kKlBelowBits) and returns to
  // quantize mode. Throws std::logic_error when no batch was observed; keeps alpha when only
  // zeros were seen.
  void finish_calibration();
  double observed_max() const { return observed_max_; }

  torch::Tensor alpha;

 private:
  int bits_;
  ActKind kind_;
  Mode mode_ = Mode::quantize;
  double observed_max_ = 0.0;
  long observed_batches_ = 0;
  torch::Tensor histogram_;  // kCalibrationBins counts over [0, observed_max_]
};
TORCH_MODULE(ActQuantizer);

// A convolution whose input goes through an ActQuantizer and whose weights are fake-quantized.
// The float weights are the ones trained; bias (if any) stays float.
class QConv2dImpl : public torch::nn::Module {
 public:
  // Takes a deep copy of `conv`'s parameters.
  QConv2dImpl(const torch::nn::Conv2d& conv, int w_bits, int a_bits, ActKind input_kind,
              WeightGranularity granularity = WeightGranularity::per_channel);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Conv2d conv{nullptr};
  ActQuantizer input{nullptr};
  int w_bits;
  WeightGranularity granularity;
};
TORCH_MODULE(QConv2d);

class QLinearImpl : public torch::nn::Module {
 public:
  QLinearImpl(const torch::nn::Linear& linear, int w_bits, int a_bits, ActKind input_kind,
              WeightGranularity granularity = WeightGranularity::per_channel);
  torch::Tensor forward(const torch::Tensor& x);
  torch::nn::Linear linear{nullptr};
  ActQuantizer input{nullptr};
  int w_bits;
  WeightGranularity granularity;
};
TORCH_MODULE(QLinear);

// Every ActQuantizer inside `module` (recursively), in registration order.
std::vector<ActQuantizerImpl*> act_quantizers(torch::nn::Module& module);
void set_act_mode(torch::nn::Module& module, ActQuantizerImpl::Mode mode);
// Range calibration: runs `forward_batches` (which must run the module's forward on the
// calibration batches, without grad) once to find maxima and, if any quantizer has fewer than
// kKlBelowBits bits, once more for histograms; then sets every alpha and returns to quantize mode.
void calibrate_activation_ranges(torch::nn::Module& module, const std::function<void()>& forward_batches);

}  // namespace apq
