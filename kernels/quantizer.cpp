#include "kernels/quantizer.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/depthwise_conv.hpp"
#include "kernels/kl_calibration.hpp"

namespace apq {
namespace {

double signed_levels(int bits) { return static_cast<double>((1 << (bits - 1)) - 1); }  // 2^(b-1) - 1

// Straight-through: the value of q, the gradient of x.
torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& q) { return x + (q - x).detach(); }

torch::ExpandingArray<2> conv_padding(const torch::nn::Conv2d& conv) {
  const auto* explicit_padding = c10::get_if<torch::ExpandingArray<2>>(&conv->options.padding());
  if (!explicit_padding) throw std::invalid_argument("quantized conv: only explicit padding is supported");
  if (!c10::holds_alternative<torch::enumtype::kZeros>(conv->options.padding_mode()))
    throw std::invalid_argument("quantized conv: only zero padding is supported");
  return *explicit_padding;
}

}  // namespace

void check_bits(int bits, const char* what) {
  if (bits < 2 || bits > 8) throw std::invalid_argument(std::string(what) + ": " + std::to_string(bits) + " bits outside 2..8");
}

torch::Tensor weight_scale(const torch::Tensor& w, int bits, WeightGranularity granularity) {
  check_bits(bits, "weight quantizer");
  torch::NoGradGuard no_grad;
  torch::Tensor range;
  if (granularity == WeightGranularity::per_channel && w.dim() >= 2) {
    std::vector<int64_t> shape(w.dim(), 1);
    shape[0] = w.size(0);
    range = w.detach().abs().reshape({w.size(0), -1}).amax(1).reshape(shape);
  } else {
    range = w.detach().abs().max();
  }
  return (range / signed_levels(bits)).clamp_min(1e-12);
}

torch::Tensor fake_quant_weight(const torch::Tensor& w, int bits, WeightGranularity granularity) {
  const torch::Tensor scale = weight_scale(w, bits, granularity);
  const double top = signed_levels(bits);
  const torch::Tensor q = torch::round(w.detach() / scale).clamp(-top, top) * scale;
  return straight_through(w, q);
}

ActRange act_range(float alpha, int bits, ActKind kind) {
  const bool is_signed = kind == ActKind::signed_clip;
  const float levels = static_cast<float>(is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1);
  return {is_signed ? -alpha : 0.0f, alpha, std::max(alpha / levels, 1e-12f)};
}

// fake_quant_unsigned and fake_quant_signed: kernels/fused_act_quant.cpp.

ActQuantizerImpl::ActQuantizerImpl(int bits, ActKind kind, double initial_alpha) : bits_(bits), kind_(kind) {
  check_bits(bits, "activation quantizer");
  if (!(initial_alpha > 0)) throw std::invalid_argument("activation quantizer: initial alpha must be positive");
  alpha = register_parameter("alpha", torch::full({1}, initial_alpha));
}

void ActQuantizerImpl::set_alpha(double value) {
  if (!(value > 0)) throw std::invalid_argument("activation quantizer: alpha must be positive, got " + std::to_string(value));
  torch::NoGradGuard no_grad;
  alpha.fill_(value);
}

void ActQuantizerImpl::set_mode(Mode mode) {
  if (mode == Mode::observe_max) {
    observed_max_ = 0.0;
    observed_batches_ = 0;
  }
  if (mode == Mode::observe_histogram) histogram_ = torch::zeros({kCalibrationBins}, torch::kDouble);
  mode_ = mode;
}

torch::Tensor ActQuantizerImpl::forward(const torch::Tensor& x) {
  switch (mode_) {
    case Mode::passthrough: return x;
    case Mode::observe_max: {
      torch::NoGradGuard no_grad;
      const torch::Tensor m = kind_ == ActKind::signed_clip ? x.abs().max() : x.max();
      observed_max_ = std::max(observed_max_, m.item<double>());
      ++observed_batches_;
      return x;
    }
    case Mode::observe_histogram: {
      torch::NoGradGuard no_grad;
      if (observed_max_ > 0) {
        const torch::Tensor v = (kind_ == ActKind::signed_clip ? x.abs() : x.clamp_min(0.0)).to(torch::kFloat).flatten();
        // Exact zeros (most ReLU6 outputs) are representable at any range: leaving them out keeps
        // their spike in bin 0 from pulling the KL threshold down.
        torch::Tensor h = torch::histc(v, kCalibrationBins, 0.0, observed_max_).to(torch::kDouble);
        h[0] -= (v == 0).sum().to(torch::kDouble);
        h.clamp_min_(0.0);  // histc counts in float: past 2^24 in a bin the difference can dip below 0
        histogram_ += h;
      }
      return x;
    }
    case Mode::quantize: break;
  }
  // Clamp keeps a learned alpha positive without cutting its gradient in the normal range.
  const torch::Tensor a = alpha.clamp_min(1e-4);
  return kind_ == ActKind::signed_clip ? fake_quant_signed(x, a, bits_) : fake_quant_unsigned(x, a, bits_);
}

void ActQuantizerImpl::finish_calibration() {
  if (observed_batches_ == 0) throw std::logic_error("activation quantizer: calibration saw no batch");
  mode_ = Mode::quantize;
  if (!(observed_max_ > 0)) return;  // only zeros (or negatives) seen: any alpha represents them; keep it
  double range = observed_max_;
  if (bits_ < kKlBelowBits && histogram_.defined() && histogram_.sum().item<double>() > 0) {
    const torch::Tensor h = histogram_.contiguous();
    std::vector<double> counts(h.data_ptr<double>(), h.data_ptr<double>() + h.numel());
    const int levels = kind_ == ActKind::signed_clip ? 1 << (bits_ - 1) : 1 << bits_;
    range = kl_threshold(counts, observed_max_, levels).threshold;
  }
  set_alpha(range);
  histogram_ = torch::Tensor();
}

QConv2dImpl::QConv2dImpl(const torch::nn::Conv2d& source, int w_bits_, int a_bits, ActKind input_kind,
                         WeightGranularity granularity_)
    : w_bits(w_bits_), granularity(granularity_) {
  check_bits(w_bits, "quantized conv weights");
  conv = register_module("conv", torch::nn::Conv2d(std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(source->clone())));
  input = register_module("input", ActQuantizer(a_bits, input_kind));
  conv_padding(conv);  // reject unsupported padding now rather than at the first forward
}

torch::Tensor QConv2dImpl::forward(const torch::Tensor& x) {
  const auto& o = conv->options;
  const torch::Tensor bias = o.bias() ? conv->bias : torch::Tensor();
  const torch::Tensor w = fake_quant_weight(conv->weight, w_bits, granularity);
  return conv2d_or_depthwise(input(x), w, bias, o.stride(), conv_padding(conv), o.dilation(), o.groups());
}

QLinearImpl::QLinearImpl(const torch::nn::Linear& source, int w_bits_, int a_bits, ActKind input_kind,
                         WeightGranularity granularity_)
    : w_bits(w_bits_), granularity(granularity_) {
  check_bits(w_bits, "quantized linear weights");
  linear = register_module("linear", torch::nn::Linear(std::dynamic_pointer_cast<torch::nn::LinearImpl>(source->clone())));
  input = register_module("input", ActQuantizer(a_bits, input_kind));
}

torch::Tensor QLinearImpl::forward(const torch::Tensor& x) {
  const torch::Tensor bias = linear->options.bias() ? linear->bias : torch::Tensor();
  return torch::linear(input(x), fake_quant_weight(linear->weight, w_bits, granularity), bias);
}

std::vector<ActQuantizerImpl*> act_quantizers(torch::nn::Module& module) {
  std::vector<ActQuantizerImpl*> out;
  // include_self would need the module to be owned by a shared_ptr: check it by hand.
  if (auto* self = dynamic_cast<ActQuantizerImpl*>(&module)) out.push_back(self);
  for (const auto& m : module.modules(/*include_self=*/false))
    if (auto* q = m->as<ActQuantizerImpl>()) out.push_back(q);
  return out;
}

void set_act_mode(torch::nn::Module& module, ActQuantizerImpl::Mode mode) {
  for (ActQuantizerImpl* q : act_quantizers(module)) q->set_mode(mode);
}

void calibrate_activation_ranges(torch::nn::Module& module, const std::function<void()>& forward_batches) {
  torch::NoGradGuard no_grad;
  const auto quantizers = act_quantizers(module);
  set_act_mode(module, ActQuantizerImpl::Mode::observe_max);
  forward_batches();
  bool any_low = false;
  for (ActQuantizerImpl* q : quantizers) any_low = any_low || q->bits() < kKlBelowBits;
  if (any_low) {
    for (ActQuantizerImpl* q : quantizers)
      q->set_mode(q->bits() < kKlBelowBits ? ActQuantizerImpl::Mode::observe_histogram : ActQuantizerImpl::Mode::passthrough);
    forward_batches();
  }
  for (ActQuantizerImpl* q : quantizers) q->finish_calibration();
}

}  // namespace apq
