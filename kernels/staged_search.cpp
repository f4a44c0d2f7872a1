#include "kernels/staged_search.hpp"

#include <utility>

namespace apq {

StagedResult staged_search(const SearchSpace& space, const StagedConfig& config, FitnessFn arch_fitness,
                           FitnessFn joint_fitness, CostFn cost) {
  StagedResult result;

  EvolutionConfig arch_stage = config.evolution;
  arch_stage.search_arch = true;
  arch_stage.search_policy = false;
  arch_stage.fixed_bits = config.arch_stage_bits;
  arch_stage.seed = derive_seed(config.evolution.seed, stream_tag("staged-arch"), 0);
  Evolution first(space, arch_stage, std::move(arch_fitness), cost);
  first.run(config.arch_generations);
  result.architecture = first.best();

  EvolutionConfig policy_stage = config.evolution;
  policy_stage.search_arch = false;
  policy_stage.search_policy = true;
  policy_stage.fixed_arch = result.architecture.arch;
  policy_stage.seed = derive_seed(config.evolution.seed, stream_tag("staged-policy"), 0);
  Evolution second(space, policy_stage, std::move(joint_fitness), std::move(cost));
  second.run(config.policy_generations);
  result.final = second.best();
  result.evaluated = first.evaluated() + second.evaluated();
  return result;
}

}  // namespace apq
