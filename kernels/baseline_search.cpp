#include "kernels/baseline_search.hpp"

#include <stdexcept>

#include "kernels/staged_search.hpp"

namespace apq {

Individual random_search(const SearchSpace& space, const EvolutionConfig& evolution, const FitnessFn& fitness,
                         const CostFn& cost, long long calls) {
  if (calls < 2) throw std::invalid_argument("random search: needs at least 2 predictor calls, got " + std::to_string(calls));
  // An evolution's initial population is exactly this: `population` random samples within the
  // budget (each resampled up to max_attempts), scored in one batch.
  EvolutionConfig c = evolution;
  c.population = static_cast<int>(calls);
  c.search_arch = true;
  c.search_policy = true;
  c.seed = derive_seed(evolution.seed, stream_tag("random-search"), 0);
  Evolution sampler(space, c, fitness, cost);
  sampler.initialize();
  return sampler.best();
}

std::vector<UniformBaseline> uniform_baselines(const SearchSpace& space, const EvolutionConfig& evolution,
                                               const FitnessFn& arch_fitness, const CostFn& cost,
                                               int arch_generations) {
  const int highest = space.spec().bits.back();
  const int lowest = space.spec().bits.front();
  std::vector<UniformBaseline> out;
  auto at_bits = [&](const Individual& found, int bits) {
    UniformBaseline b;
    b.bits = bits;
    b.candidate = found;
    b.candidate.policy = space.uniform_policy(found.arch, bits);
    b.candidate.costs = cost(found.arch, b.candidate.policy);
    if (evolution.budget.admits(b.candidate.costs)) out.push_back(b);
  };
  try {
    const Individual best = best_architecture(space, evolution, arch_fitness, cost, highest, arch_generations);
    at_bits(best, highest);
    if (lowest != highest) at_bits(best, lowest);
    return out;
  } catch (const std::runtime_error&) {
    // Nothing fits at the highest width; the lowest may still fit.
  }
  if (lowest == highest) return out;
  try {
    at_bits(best_architecture(space, evolution, arch_fitness, cost, lowest, arch_generations), lowest);
  } catch (const std::runtime_error&) {
  }
  return out;
}

}  // namespace apq
