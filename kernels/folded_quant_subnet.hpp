// A QuantSubnet for inference only: each fake-quantized convolution's weights are quantized once
// and its BatchNorm folded into them (Q(W) * gamma / sqrt(var + eps), bias beta - mean * gamma /
// sqrt(var + eps)), and every input quantizer runs in place, with the ReLU6 before it merged into
// its clip. The training-form QuantSubnet quantizes every weight again at every batch and runs
// BN and the quantizers as separate passes over the activations. Built after calibration and
// fine-tuning, from the eval-mode net; its logits equal the QuantSubnet's up to float rounding
// (a value on a rounding boundary can land one level apart). Torch header.
#pragma once
#include <torch/torch.h>

#include <vector>

#include "kernels/folded_subnet.hpp"
#include "kernels/quant_subnet.hpp"

namespace apq {

class FoldedQuantSubnet {
 public:
  // `net` holds the BN statistics and activation ranges to evaluate with; it is not changed.
  explicit FoldedQuantSubnet(QuantSubnet& net);
  // Input [N, C, H, W] as QuantSubnet::forward; call under no-grad or inference mode.
  torch::Tensor forward(torch::Tensor x) const;

 private:
  // The input quantizer of a layer: clip to [lower, upper], then round to a multiple of scale.
  struct InputQuant {
    float lower = 0.0f, upper = 0.0f, scale = 1.0f;
    void apply(torch::Tensor& x) const;  // in place
  };
  struct Conv {
    InputQuant input;
    FoldedConv conv;
    // x must be a tensor this layer may overwrite (its quantizer runs in place).
    torch::Tensor operator()(torch::Tensor x) const;
  };
  struct Block {
    Conv expand, dw, project;
    bool residual = false;
  };
  static InputQuant input_quant(const ActQuantizerImpl& q, bool after_relu6);
  static Conv fold(const QConv2d& conv, const torch::nn::BatchNorm2d& bn, bool after_relu6);

  Conv stem_, first_dw_, first_pw_, head_;
  std::vector<Block> blocks_;
  InputQuant classifier_input_;
  torch::Tensor classifier_weight_, classifier_bias_;
};

}  // namespace apq
