#include "kernels/folded_quant_subnet.hpp"

#include <algorithm>
#include <stdexcept>

namespace apq {

FoldedQuantSubnet::InputQuant FoldedQuantSubnet::input_quant(const ActQuantizerImpl& q, bool after_relu6) {
  if (q.mode() != ActQuantizerImpl::Mode::quantize)
    throw std::logic_error("folded quantized subnet: an activation quantizer is not calibrated");
  // As ActQuantizerImpl::forward computes them: alpha clamped at 1e-4 first.
  const ActRange r = act_range(std::max(static_cast<float>(q.alpha_value()), 1e-4f), q.bits(), q.kind());
  InputQuant in;
  in.scale = r.scale;
  in.lower = r.lower;
  in.upper = q.kind() == ActKind::unsigned_clip && after_relu6 ? std::min(r.upper, 6.0f) : r.upper;  // clamp(clamp(x, 0, 6), 0, alpha)
  return in;
}

void FoldedQuantSubnet::InputQuant::apply(torch::Tensor& x) const {
  x.clamp_(lower, upper).div_(scale).round_().mul_(scale);
}

FoldedQuantSubnet::Conv FoldedQuantSubnet::fold(const QConv2d& q, const torch::nn::BatchNorm2d& bn, bool after_relu6) {
  torch::NoGradGuard no_grad;
  // The weights quantized by the op QConv2d runs at every forward: the same values.
  const torch::Tensor weight = fake_quant_weight(q->conv->weight.detach(), q->w_bits, q->granularity);
  return {input_quant(*q->input, after_relu6), FoldedConv::fold(q->conv, weight, bn)};
}

torch::Tensor FoldedQuantSubnet::Conv::operator()(torch::Tensor x) const {
  input.apply(x);
  return conv(x);
}

FoldedQuantSubnet::FoldedQuantSubnet(QuantSubnet& net)
    : stem_(fold(net.stem_conv, net.stem_bn, false)),
      first_dw_(fold(net.first_dw, net.first_dw_bn, true)),
      first_pw_(fold(net.first_pw, net.first_pw_bn, true)),
      head_(fold(net.head_conv, net.head_bn, false)),
      classifier_input_(input_quant(*net.classifier->input, false)) {
  for (const QuantBlock& b : net.blocks)
    blocks_.push_back({fold(b.expand, b.expand_bn, false), fold(b.dw, b.dw_bn, true), fold(b.project, b.project_bn, true),
                       b.residual});
  torch::NoGradGuard no_grad;
  classifier_weight_ =
      fake_quant_weight(net.classifier->linear->weight.detach(), net.classifier->w_bits, net.classifier->granularity);
  classifier_bias_ = net.classifier->linear->bias.detach();
}

// The walk of kernels/subnet_forward.hpp: each ReLU6 is merged into the unsigned quantizer of the
// conv after it, so those convs take the unclipped tensor. Every tensor a quantizer overwrites
// is one no later step reads, except a block's input, which its residual needs: copied.
torch::Tensor FoldedQuantSubnet::forward(torch::Tensor x) const {
  auto clip6 = [](torch::Tensor t) { return t.clamp_(0.0, 6.0); };
  x = stem_(x.clone()).contiguous(at::MemoryFormat::ChannelsLast);  // the caller's images stay as they are
  x = first_pw_(first_dw_(x));  // stem -> BN -> ReLU6 (in dw's quantizer) -> dw -> BN -> ReLU6 (in pw's)
  for (const Block& b : blocks_) {
    const torch::Tensor h = b.project(b.dw(b.expand(b.residual ? x.clone() : x)));
    x = b.residual ? h.add_(x) : h;
  }
  x = clip6(head_(x)).mean({2, 3});
  classifier_input_.apply(x);
  return torch::linear(x, classifier_weight_, classifier_bias_);
}

}  // namespace apq
