// A depthwise convolution (groups = channels, one filter per channel, square kernel, dilation 1,
// no bias) whose backward pass is this project's own. The forward is torch::conv2d's (oneDNN,
// fast in channels-last); LibTorch 1.13's depthwise backward on CPU runs at 2-15 GFLOP/s against
// 20-100 for the forward on these shapes, and was the largest single cost of a QAT step and of a
// supernet training step. Here both gradients come from one pass over the output gradient in
// channels-last order, vectorised along the channels (docs/QUANTIZATION.md, "Depthwise backward").
// Torch header: for kernels/, tests and bench only.
#pragma once
#include <torch/torch.h>

namespace apq {

// x [N, C, H, W], weight [C, 1, k, k]; output as torch::conv2d(x, weight, {}, stride, padding,
// 1, C). Gradients reach x and weight when they require them. grad_input equals LibTorch's up to
// float summation order; grad_weight is summed in a fixed order (images in fixed chunks, chunks
// in order), so it does not depend on the number of threads.
torch::Tensor depthwise_conv2d(const torch::Tensor& x, const torch::Tensor& weight, int64_t stride, int64_t padding);

// True when torch::conv2d with these arguments is a depthwise convolution that
// depthwise_conv2d computes: groups == C == weight.size(0), weight [C, 1, k, k] square.
bool is_depthwise(const torch::Tensor& x, const torch::Tensor& weight, int64_t groups);

// torch::conv2d (zero padding), through depthwise_conv2d when these arguments are a depthwise
// convolution it computes (equal strides, equal padding, dilation 1, no bias).
torch::Tensor conv2d_or_depthwise(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding,
                                  torch::ExpandingArray<2> dilation, int64_t groups);

// conv->forward(x), through conv2d_or_depthwise when the module has explicit zero padding.
torch::Tensor conv_forward(torch::nn::Conv2d& conv, const torch::Tensor& x);

}  // namespace apq
