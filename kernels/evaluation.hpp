// Top-1 accuracy and mean cross-entropy of a network on an image set. Torch header.
#pragma once
#include <torch/torch.h>

#include <cstdint>

#include "kernels/batches.hpp"
#include "kernels/bn_calibration.hpp"
#include "kernels/supernet_jobs.hpp"

namespace apq {

// Runs forward in eval mode (inference mode: no autograd) over the first max_images images of
// data (0: all), batch_size at a time; also scores the images at even and odd positions apart.
SubnetScore evaluate(torch::nn::Module& module, const ForwardFn& forward, const ImageTensors& data, int64_t batch_size,
                     int64_t max_images = 0);

}  // namespace apq
