#include "kernels/folded_subnet.hpp"

#include <stdexcept>

namespace apq {

FoldedConv FoldedConv::fold(const torch::nn::Conv2d& conv, const torch::Tensor& weight, const torch::nn::BatchNorm2d& bn) {
  torch::NoGradGuard no_grad;
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&conv->options.padding());
  if (!padding) throw std::invalid_argument("folded subnet: only explicit padding is supported");
  const torch::Tensor scale = bn->weight / torch::sqrt(bn->running_var + bn->options.eps());
  FoldedConv c;
  c.weight = (weight * scale.view({-1, 1, 1, 1})).contiguous(at::MemoryFormat::ChannelsLast);
  c.bias = bn->bias - bn->running_mean * scale;
  if (conv->bias.defined()) c.bias = c.bias + conv->bias * scale;
  c.stride = std::vector<int64_t>(conv->options.stride()->begin(), conv->options.stride()->end());
  c.padding = std::vector<int64_t>((*padding)->begin(), (*padding)->end());
  c.groups = conv->options.groups();
  return c;
}

torch::Tensor FoldedConv::operator()(const torch::Tensor& x) const {
  return torch::conv2d(x, weight, bias, stride, padding, {1, 1}, groups);
}

FoldedSubnet::Conv FoldedSubnet::fold(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn) {
  return FoldedConv::fold(conv, conv->weight.detach(), bn);
}

FoldedSubnet::FoldedSubnet(const StaticSubnet& net)
    : stem_(fold(net.stem_conv, net.stem_bn)),
      first_dw_(fold(net.first_dw, net.first_dw_bn)),
      first_pw_(fold(net.first_pw, net.first_pw_bn)),
      head_(fold(net.head_conv, net.head_bn)),
      classifier_weight_(net.classifier->weight.detach()),
      classifier_bias_(net.classifier->bias.detach()) {
  for (const StaticBlock& b : net.blocks)
    blocks_.push_back({fold(b.expand, b.expand_bn), fold(b.dw, b.dw_bn), fold(b.project, b.project_bn), b.residual});
}

// The walk of kernels/subnet_forward.hpp with each conv + BN as one conv, ReLU6 in place.
torch::Tensor FoldedSubnet::forward(torch::Tensor x) const {
  auto clip6 = [](torch::Tensor t) { return t.clamp_(0.0, 6.0); };
  if (dtype_ != torch::kFloat) x = x.to(dtype_);
  x = stem_(x).contiguous(at::MemoryFormat::ChannelsLast);
  x = clip6(first_dw_(clip6(x)));
  x = first_pw_(x);
  for (const Block& b : blocks_) {
    const torch::Tensor h = b.project(clip6(b.dw(clip6(b.expand(x)))));
    x = b.residual ? h.add_(x) : h;
  }
  x = clip6(head_(x));
  return torch::linear(x.mean({2, 3}), classifier_weight_, classifier_bias_).to(torch::kFloat);
}

FoldedSubnet FoldedSubnet::to(torch::ScalarType dtype) const {
  FoldedSubnet out = *this;
  auto convert = [dtype](Conv& c) {
    c.weight = c.weight.to(dtype).contiguous(at::MemoryFormat::ChannelsLast);
    c.bias = c.bias.to(dtype);
  };
  for (Conv* c : {&out.stem_, &out.first_dw_, &out.first_pw_, &out.head_}) convert(*c);
  for (Block& b : out.blocks_) for (Conv* c : {&b.expand, &b.dw, &b.project}) convert(*c);
  out.classifier_weight_ = classifier_weight_.to(dtype);
  out.classifier_bias_ = classifier_bias_.to(dtype);
  out.dtype_ = dtype;
  return out;
}

}  // namespace apq
