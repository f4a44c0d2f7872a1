// Tensor helpers shared by the supernet and subnet tests.
#pragma once
#include <torch/torch.h>

#include <cstdint>

#include "kernels/supernet.hpp"

namespace apq::test {

// Gives BN statistics and affine parameters values far from their defaults, so that slicing
// mistakes show.
inline void randomise_bn(Supernet& net, std::uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto gen = at::detail::createCPUGenerator(seed);
  for (auto* bn : net.batch_norms()) {
    bn->weight.uniform_(0.5, 1.5, gen);
    bn->bias.uniform_(-0.2, 0.2, gen);
    bn->running_mean.uniform_(-0.3, 0.3, gen);
    bn->running_var.uniform_(0.5, 2.0, gen);
  }
  for (auto& b : net.blocks)
    for (auto& t : b->dw->transforms) t.add_(torch::randn(t.sizes(), gen) * 0.1);
}

// Random 12x12 grey inputs (the size of tiny_spec()).
inline torch::Tensor input(std::uint64_t seed, int n = 4) {
  auto gen = at::detail::createCPUGenerator(seed);
  return torch::randn({n, 1, 12, 12}, gen);
}

}  // namespace apq::test
