#include "kernels/staged_search.hpp"

#include <utility>

namespace apq {

namespace {

Individual run_architecture_stage(const SearchSpace& space, const EvolutionConfig& evolution, FitnessFn arch_fitness,
                                  CostFn cost, int bits, int generations, long long& evaluated) {
  EvolutionConfig arch_stage = evolution;
  arch_stage.search_arch = true;
  arch_stage.search_policy = false;
  arch_stage.fixed_bits = bits;
  arch_stage.seed = derive_seed(evolution.seed, stream_tag("staged-arch"), 0);
  Evolution first(space, arch_stage, std::move(arch_fitness), std::move(cost));
  first.run(generations);
  evaluated += first.evaluated();
  return first.best();
}

}  // namespace

Individual best_architecture(const SearchSpace& space, const EvolutionConfig& evolution, FitnessFn arch_fitness,
                             CostFn cost, int bits, int generations) {
  long long evaluated = 0;
  return run_architecture_stage(space, evolution, std::move(arch_fitness), std::move(cost), bits, generations, evaluated);
}

StagedResult staged_search(const SearchSpace& space, const StagedConfig& config, FitnessFn arch_fitness,
                           FitnessFn joint_fitness, CostFn cost) {
  StagedResult result;
  result.architecture = run_architecture_stage(space, config.evolution, std::move(arch_fitness), cost,
                                               config.arch_stage_bits, config.arch_generations, result.evaluated);

  EvolutionConfig policy_stage = config.evolution;
  policy_stage.search_arch = false;
  policy_stage.search_policy = true;
  policy_stage.fixed_arch = result.architecture.arch;
  policy_stage.seed = derive_seed(config.evolution.seed, stream_tag("staged-policy"), 0);
  Evolution second(space, policy_stage, std::move(joint_fitness), std::move(cost));
  second.run(config.policy_generations);
  result.final = second.best();
  result.evaluated += second.evaluated();
  return result;
}

}  // namespace apq
