// A StaticSubnet for inference only, with every BatchNorm folded into the convolution before it
// (weight * gamma / sqrt(var + eps), bias beta - mean * gamma / sqrt(var + eps)): one conv with a
// bias instead of a conv and a BN pass over the activations. Built after BN re-calibration, from
// the running statistics; its logits equal the eval-mode StaticSubnet's up to float rounding.
// Torch header.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "kernels/subnet.hpp"

namespace apq {

// A convolution with its BatchNorm folded in, for inference; also the folded quantized subnet's.
struct FoldedConv {
  torch::Tensor weight, bias;
  std::vector<int64_t> stride, padding;
  int64_t groups = 1;
  // `weight` stands for conv's own weights (the quantized subnet passes them quantized).
  static FoldedConv fold(const torch::nn::Conv2d& conv, const torch::Tensor& weight, const torch::nn::BatchNorm2d& bn);
  torch::Tensor operator()(const torch::Tensor& x) const;
};

class FoldedSubnet {
 public:
  // `net` must hold the BN statistics to evaluate with (eval mode); it is not changed.
  explicit FoldedSubnet(const StaticSubnet& net);
  // Input [N, C, H, W] as StaticSubnet::forward; call under no-grad or inference mode.
  torch::Tensor forward(torch::Tensor x) const;
  // A copy computing in `dtype` (weights converted; forward converts its input and returns fp32).
  FoldedSubnet to(torch::ScalarType dtype) const;

 private:
  using Conv = FoldedConv;
  struct Block {
    Conv expand, dw, project;
    bool residual = false;
  };
  static Conv fold(const torch::nn::Conv2d& conv, const torch::nn::BatchNorm2d& bn);

  Conv stem_, first_dw_, first_pw_, head_;
  std::vector<Block> blocks_;
  torch::Tensor classifier_weight_, classifier_bias_;
  torch::ScalarType dtype_ = torch::kFloat;
};

}  // namespace apq
