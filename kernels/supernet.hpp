// The elastic once-for-all supernet over a SearchSpace:
//   stem 3x3 conv (stride spec.stem_stride) + BN + ReLU6
//   fixed first block: 3x3 depthwise + BN + ReLU6 + 1x1 project + BN (expand 1, no residual)
//   searchable MBConv blocks, one per slot (elastic kernel, expanded width, stage depth)
//   head 1x1 conv to spec.head_width + BN + ReLU6, global average pool, linear classifier.
// set_active(arch) chooses the subnet that forward() runs. Activations are channels-last from
// the stem conv's output on. Torch header: for kernels/, tests and bench only (actors use
// kernels/supernet_jobs.hpp).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/elastic_layers.hpp"
#include "kernels/search_space.hpp"

namespace apq {

// One parameter's re-ordering along one dimension; the trainer applies the same to the
// parameter's optimizer state.
struct ChannelPermutation {
  torch::Tensor param;
  int64_t dim = 0;
  torch::Tensor index;  // new position i takes old channel index[i]
};

class Supernet : public torch::nn::Module {
 public:
  // Weights initialised deterministically from seed (He normal fan-out for convs, identity
  // kernel transforms, BN 1/0, uniform classifier), already channels-last.
  Supernet(const SearchSpace& space, std::uint64_t seed);

  const SearchSpace& space() const { return space_; }
  // Checks the arch against the space (throws std::invalid_argument) and activates it.
  void set_active(const Arch& arch);
  const Arch& active() const { return active_; }

  // Input [N, in_channels, H, W] float, any layout; returns [N, num_classes] logits.
  torch::Tensor forward(torch::Tensor x);

  // Sorts each block's expanded channels by importance (L1 norm of the project conv's
  // input-channel weights, descending), permuting expand conv, its BN, the depthwise conv, its
  // BN and the project conv's input channels together: the function of every subnet that uses
  // all channels is unchanged. Returns the parameter permutations applied (running statistics
  // are permuted inside).
  std::vector<ChannelPermutation> sort_channels_by_importance();

  // Every BatchNorm, in a fixed order (stem, first block, blocks, head).
  const std::vector<ElasticBatchNorm*>& batch_norms() const { return batch_norms_; }
  void set_track_stats(bool on);

  torch::nn::Conv2d stem_conv{nullptr};
  std::shared_ptr<ElasticBatchNorm> stem_bn;
  torch::nn::Conv2d first_dw{nullptr};
  std::shared_ptr<ElasticBatchNorm> first_dw_bn;
  torch::nn::Conv2d first_pw{nullptr};
  std::shared_ptr<ElasticBatchNorm> first_pw_bn;
  std::vector<std::shared_ptr<ElasticMBConv>> blocks;  // one per slot
  torch::nn::Conv2d head_conv{nullptr};
  std::shared_ptr<ElasticBatchNorm> head_bn;
  torch::nn::Linear classifier{nullptr};

 private:
  void init_weights(std::uint64_t seed);

  SearchSpace space_;
  Arch active_;
  std::vector<ElasticBatchNorm*> batch_norms_;
};

// The state behind a torch-free SupernetHandle (kernels/supernet_jobs.hpp): the network and the
// input normalisation it was trained with.
struct SupernetState {
  SupernetState(const SearchSpace& space, std::uint64_t seed) : net(std::make_shared<Supernet>(space, seed)) {}
  std::shared_ptr<Supernet> net;
  float mean = 0.0f;    // input normalisation: (pixel / 255 - mean) / stddev
  float stddev = 1.0f;
};

}  // namespace apq
