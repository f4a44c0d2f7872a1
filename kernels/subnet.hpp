// A standalone static network extracted from the supernet: plain torch::nn Conv2d, BatchNorm2d
// and Linear modules holding copies of the active subnet's weights (depthwise kernels already
// transformed to their size, expanded channels already sliced, BN running statistics copied).
// In eval mode its output equals the supernet's forward of the same arch (to 1e-5).
//
// The structure is public and stable: quantization builds its fake-quantized forward from these
// members. Parameter names: stem_conv.weight, stem_bn.*, first_dw.*, first_dw_bn.*, first_pw.*,
// first_pw_bn.*, blocks.<i>.{expand,expand_bn,dw,dw_bn,project,project_bn}.*, head_conv.*,
// head_bn.*, classifier.{weight,bias}; convs have no bias. Torch header.
#pragma once
#include <torch/torch.h>

#include <memory>
#include <vector>

#include "kernels/search_space.hpp"

namespace apq {

class Supernet;

// One active MBConv block: expand 1x1 -> BN -> ReLU6 -> kxk depthwise -> BN -> ReLU6 ->
// project 1x1 -> BN, plus the block input when residual.
struct StaticBlock {
  torch::nn::Conv2d expand{nullptr};
  torch::nn::BatchNorm2d expand_bn{nullptr};
  torch::nn::Conv2d dw{nullptr};
  torch::nn::BatchNorm2d dw_bn{nullptr};
  torch::nn::Conv2d project{nullptr};
  torch::nn::BatchNorm2d project_bn{nullptr};
  bool residual = false;
  int kernel = 3;
  int stride = 1;
  int slot = 0;  // the supernet slot it came from
  int mid = 0;   // expanded channels
};

class StaticSubnet : public torch::nn::Module {
 public:
  // The layers of arch with fresh (untrained) weights; extract_subnet fills them.
  StaticSubnet(const SearchSpace& space, const Arch& arch);

  // Input [N, C, H, W] float; channels-last from the stem conv's output on. Returns logits.
  torch::Tensor forward(torch::Tensor x);

  const Arch& arch() const { return arch_; }

  // stem 3x3 conv + BN + ReLU6
  torch::nn::Conv2d stem_conv{nullptr};
  torch::nn::BatchNorm2d stem_bn{nullptr};
  // fixed first block: 3x3 depthwise + BN + ReLU6, 1x1 project + BN (no residual)
  torch::nn::Conv2d first_dw{nullptr};
  torch::nn::BatchNorm2d first_dw_bn{nullptr};
  torch::nn::Conv2d first_pw{nullptr};
  torch::nn::BatchNorm2d first_pw_bn{nullptr};
  std::vector<StaticBlock> blocks;  // the active blocks in order
  // head 1x1 conv + BN + ReLU6, global average pool, linear classifier
  torch::nn::Conv2d head_conv{nullptr};
  torch::nn::BatchNorm2d head_bn{nullptr};
  torch::nn::Linear classifier{nullptr};

 private:
  Arch arch_;
};

// Copies the weights of arch (checked against the supernet's space) out of the supernet; does
// not change the supernet's active arch. The result is in eval mode and channels-last.
std::shared_ptr<StaticSubnet> extract_subnet(const Supernet& supernet, const Arch& arch);

}  // namespace apq
