// SYNTHETIC ground truth for tests and benchmarks, until the real pipeline (supernet evaluation,
// quantization fine-tuning) produces <arch, policy, accuracy> pairs. It is NOT a model of any
// real network: a smooth, deterministic function of the architecture and the bits, plus a small
// deterministic noise, shaped like the real thing where it matters for a search:
//   - capacity grows with depth, kernel size and width, with diminishing returns;
//   - each block has its own sensitivity to quantization (drawn from the seed), later blocks and
//     narrow (pruned) blocks are more sensitive, activations a bit more than weights;
//   - low bits hurt much more than 6 bits, 8 bits costs almost nothing.
// accuracy = base + span * (1 - exp(-capacity / scale)) - quantization penalty + noise, in [0, 1].
#pragma once
#include <cstdint>
#include <vector>

#include "kernels/search_space.hpp"

namespace apq {

class SyntheticAccuracy {
 public:
  // noise: half-width of the uniform, deterministic (hash of the candidate) noise term.
  SyntheticAccuracy(const SearchSpace& space, std::uint64_t seed, double noise = 0.002);

  double full_precision(const Arch& arch) const;                       // no quantization penalty
  double quantized(const Arch& arch, const Policy& policy) const;      // with the policy's penalty
  double penalty(const Arch& arch, const Policy& policy) const;        // accuracy lost to the bits

 private:
  double capacity(const Arch& arch) const;
  double noise_of(const Arch& arch, const Policy* policy) const;
  const SearchSpace* space_;
  std::uint64_t seed_;
  double noise_;
  std::vector<double> slot_gain_;         // capacity a block adds, per slot
  std::vector<double> slot_sensitivity_;  // quantization sensitivity, per slot
  double scale_ = 1.0;
};

}  // namespace apq
