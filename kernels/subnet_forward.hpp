// The forward pass shared by the static and the quantized subnet: the same layers under the
// same names, of different types (plain or fake-quantized convolutions). Torch header: for
// kernels/, tests and bench only.
#pragma once
#include <torch/torch.h>

#include "kernels/depthwise_conv.hpp"

namespace apq {

// A depthwise layer's forward: a plain Conv2d takes the project's depthwise backward
// (kernels/depthwise_conv.hpp), as a fake-quantized one does inside its own forward.
inline torch::Tensor depthwise_forward(torch::nn::Conv2d& conv, const torch::Tensor& x) {
  return conv_forward(conv, x);
}
template <class Conv>
torch::Tensor depthwise_forward(Conv& conv, const torch::Tensor& x) {
  return conv->forward(x);
}

// stem conv -> BN -> ReLU6 -> 3x3 depthwise -> BN -> ReLU6 -> 1x1 -> BN -> the MBConv blocks
// (expand, depthwise, project, each with BN; ReLU6 after the first two; residual where the
// block has one) -> head 1x1 -> BN -> ReLU6 -> global average -> classifier.
template <class Net>
torch::Tensor subnet_forward(Net& net, torch::Tensor x) {
  auto clip6 = [](const torch::Tensor& t) { return torch::hardtanh(t, 0.0, 6.0); };
  // A 1-channel input cannot carry the channels-last layout: convert after the stem conv.
  x = net.stem_conv->forward(x).contiguous(at::MemoryFormat::ChannelsLast);
  x = clip6(net.stem_bn->forward(x));
  x = clip6(net.first_dw_bn->forward(depthwise_forward(net.first_dw, x)));
  x = net.first_pw_bn->forward(net.first_pw->forward(x));
  for (auto& b : net.blocks) {
    auto h = clip6(b.expand_bn->forward(b.expand->forward(x)));
    h = clip6(b.dw_bn->forward(depthwise_forward(b.dw, h)));
    h = b.project_bn->forward(b.project->forward(h));
    x = b.residual ? h + x : h;
  }
  x = clip6(net.head_bn->forward(net.head_conv->forward(x)));
  return net.classifier->forward(x.mean({2, 3}));
}

}  // namespace apq
