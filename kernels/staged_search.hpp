// The "staged" baseline APQ compares against (NAS, then quantization): first the best
// full-precision architecture under the budget, then the best policy for that fixed architecture.
//   Stage 1: evolution over architectures only. Fitness = the full-precision predictor (the arch
//            alone); every candidate carries the uniform policy at arch_stage_bits (default 8) and
//            its costs are computed at that policy, so stage 1 respects the budget as an 8-bit net.
//   Stage 2: evolution over policies only, the architecture fixed to stage 1's best. Fitness =
//            the quantization-aware predictor (real bits).
// Both stages use the same budget, population and operators as the joint search (EvolutionConfig).
#pragma once
#include <cstdint>

#include "kernels/evolution.hpp"

namespace apq {

struct StagedConfig {
  EvolutionConfig evolution;  // budget, sizes, probabilities, seed; search_* flags are set per stage
  int arch_generations = 100;
  int policy_generations = 100;
  int arch_stage_bits = 8;  // the uniform policy stage 1 is costed at
};

struct StagedResult {
  Individual architecture;  // stage 1's best (uniform arch_stage_bits policy, FP fitness)
  Individual final;         // stage 2's best (fitness from the quantization-aware predictor)
  long long evaluated = 0;  // candidates scored over both stages
};

// Stage 1 alone: the best architecture by arch_fitness whose uniform `bits` policy fits the
// budget (its costs and policy are those of that uniform policy). Throws std::runtime_error (from
// the evolution) when no architecture fits at those bits.
Individual best_architecture(const SearchSpace& space, const EvolutionConfig& evolution, FitnessFn arch_fitness,
                             CostFn cost, int bits, int generations);

// Throws std::runtime_error (from the evolution) when a stage finds nothing within the budget.
StagedResult staged_search(const SearchSpace& space, const StagedConfig& config, FitnessFn arch_fitness,
                           FitnessFn joint_fitness, CostFn cost);

}  // namespace apq
