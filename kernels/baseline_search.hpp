// The simpler methods APQ's joint search has to beat, under the same budget, predictors and
// operators (the staged search, architecture first and then policy, is kernels/staged_search.hpp):
//   random search  the best of `calls` random (arch, policy) samples within the budget, scored by
//                  the same fitness: given the joint search's number of predictor calls, it is what
//                  the same effort buys without evolution.
//   uniform bits   the best full-precision architecture whose uniform policy at the space's highest
//                  bit width fits the budget (stage 1 of the staged search), quantized uniformly at
//                  the highest and at the lowest bit width (8 and 4 in APQ's space). When no
//                  architecture fits at the highest width, the best one that fits at the lowest,
//                  at the lowest only; when none fits at all, nothing.
#pragma once

#include <vector>

#include "kernels/evolution.hpp"

namespace apq {

// Throws std::invalid_argument for calls < 1, std::runtime_error when nothing fits the budget.
Individual random_search(const SearchSpace& space, const EvolutionConfig& evolution, const FitnessFn& fitness,
                         const CostFn& cost, long long calls);

struct UniformBaseline {
  int bits = 0;
  Individual candidate;  // the architecture with every block at `bits`; fitness from arch_fitness
};

// Highest bits first. arch_generations as in the staged search.
std::vector<UniformBaseline> uniform_baselines(const SearchSpace& space, const EvolutionConfig& evolution,
                                               const FitnessFn& arch_fitness, const CostFn& cost,
                                               int arch_generations);

}  // namespace apq
