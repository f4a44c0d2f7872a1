// BatchNorm re-calibration: shared running statistics are wrong for any one subnet, so before
// evaluating a subnet its BN statistics are re-estimated on a few thousand training images.
// Torch header; works on any module whose normalisation layers are torch::nn::BatchNorm2d (the
// StaticSubnet, or a fake-quantized forward built on it).
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/batches.hpp"

namespace apq {

using ForwardFn = std::function<torch::Tensor(const torch::Tensor&)>;

// `count` distinct indices of [0, n) drawn from seed (all of them, in order, if count >= n).
std::vector<int> calibration_indices(int64_t n, int64_t count, std::uint64_t seed);
// `count` images of data chosen at random from seed (all of them if count >= data.size()).
torch::Tensor calibration_images(const ImageTensors& data, int64_t count, std::uint64_t seed);

// Resets the running statistics of every BatchNorm2d inside module, then sets them to the
// equal-weight average over batches of the batch means and unbiased batch variances while
// forward runs over images in batches of batch_size (train mode, no gradients). Leaves the module
// in eval mode with the BN momentum it had. Throws when the module has no BatchNorm2d.
void calibrate_batch_norm(torch::nn::Module& module, const ForwardFn& forward, const torch::Tensor& images,
                          int64_t batch_size);

}  // namespace apq
