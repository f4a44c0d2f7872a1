#include "pipeline/search_baselines.hpp"

#include <stdexcept>

#include "io/search_store.hpp"
#include "kernels/baseline_search.hpp"
#include "kernels/staged_search.hpp"
#include "pipeline/scoring.hpp"
#include "pipeline/search_candidates.hpp"
#include "pipeline/stages.hpp"

namespace apq {
namespace {

std::string uniform_method(int bits) { return "uniform" + std::to_string(bits); }

// Writes the method's set: its one result, or none when nothing fit the budget.
void store(const RunContext& ctx, const std::string& path, const std::string& method,
           const std::vector<SearchResult>& results, const std::string& what) {
  write_search_set(ctx, path, method, ctx.pipeline().search.evolution.budget, {}, results);
  say(ctx, "search: " + what + (results.empty() ? ": nothing within the budget" : ": " + describe(results.front())));
}

std::int64_t joint_predictor_calls(const std::string& path) {
  for (const auto& set : read_search(path).sets)
    if (set.method == "joint" && set.completed) return predictor_calls(set.history);
  throw std::runtime_error(path + ": the joint search is not complete; the baselines need its predictor calls");
}

}  // namespace

std::vector<std::string> baseline_methods(const SearchSpace& space) {
  std::vector<std::string> out{"staged", "random", uniform_method(space.spec().bits.back())};
  if (space.spec().bits.front() != space.spec().bits.back()) out.push_back(uniform_method(space.spec().bits.front()));
  return out;
}

void search_baselines(const RunContext& ctx, const std::string& path) {
  const auto& o = ctx.pipeline().search;
  EvolutionConfig single = o.evolution;  // the baselines answer the scenario's budget alone
  single.objective = Objective::accuracy;
  const Scoring fp = load_scoring(ctx, kFpPredictor);
  const Scoring joint = load_scoring(ctx, kQuantPredictor);
  auto result_of = [&](const Individual& ind) { return to_result(ctx, *joint.predictor, ind, 0, -1); };

  if (!has_results(path, "staged")) {
    StagedConfig config;
    config.evolution = single;
    config.arch_generations = o.generations;
    config.policy_generations = o.generations;
    std::vector<SearchResult> found;
    try {
      found.push_back(result_of(staged_search(*ctx.space, config, fp.fitness, joint.fitness, joint.cost).final));
    } catch (const std::runtime_error& e) {
      say(ctx, std::string("search: staged baseline: ") + e.what());
    }
    store(ctx, path, "staged", found, "best staged candidate (architecture first, then policy)");
  }
  if (!has_results(path, "random")) {
    const std::int64_t calls = joint_predictor_calls(path);
    std::vector<SearchResult> found;
    try {
      found.push_back(result_of(random_search(*ctx.space, single, joint.fitness, joint.cost, calls)));
    } catch (const std::runtime_error& e) {
      say(ctx, std::string("search: random baseline: ") + e.what());
    }
    store(ctx, path, "random", found, "best of " + std::to_string(calls) + " random candidates (the joint search's predictor calls)");
  }
  const std::vector<std::string> methods = baseline_methods(*ctx.space);
  bool uniform_done = true;
  for (const auto& m : methods)
    if (m.rfind("uniform", 0) == 0 && !has_results(path, m)) uniform_done = false;
  if (uniform_done) return;
  const auto uniform = uniform_baselines(*ctx.space, single, fp.fitness, joint.cost, o.generations);
  for (const auto& m : methods) {
    if (m.rfind("uniform", 0) != 0 || has_results(path, m)) continue;
    std::vector<SearchResult> found;
    for (const auto& b : uniform)
      if (uniform_method(b.bits) == m) found.push_back(result_of(b.candidate));
    store(ctx, path, m, found, "best full-precision architecture at uniform " + m.substr(7) + " bits");
  }
}

}  // namespace apq
