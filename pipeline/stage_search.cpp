// Stage 7: the joint search on evolution islands spread over the ranks, migrating over the
// configured topology; rank 0 starts them, gathers their best and writes search.h5. In the
// Pareto mode the islands search one front for every budget, and the scenario's budget is
// answered from it (pipeline/search_front.hpp). Then the baselines under the same budget
// (pipeline/search_baselines.hpp), for comparison.
#include <algorithm>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "actors/island.hpp"
#include "actors/node.hpp"
#include "base/pareto.hpp"
#include "io/search_store.hpp"
#include "pipeline/quant_items.hpp"
#include "pipeline/scoring.hpp"
#include "pipeline/search_baselines.hpp"
#include "pipeline/search_candidates.hpp"
#include "pipeline/search_front.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/work_plan.hpp"
#include "pipeline/workbench.hpp"

namespace apq {
namespace {

// Every island's answer to this round's search (an island's error is thrown here).
std::vector<actors::IslandOutcome> run_islands(const RunContext& ctx, actors::Node& node, int round) {
  const std::uint64_t seed = ctx.pipeline().search.evolution.seed;
  return actors::run_island_search(
      node, run_layout(ctx), *ctx.space,
      round == 0 ? seed : derive_seed(seed, stream_tag("search-round"), static_cast<std::uint64_t>(round)));
}

std::string round_method(const RunContext& ctx, int round) {
  return round == ctx.pipeline().search.rounds - 1 ? "joint" : "joint_round" + std::to_string(round);
}

// The islands' individuals (with the island that found each) and their history rows.
struct IslandsFound {
  std::vector<std::pair<Individual, int>> all;
  std::vector<HistoryRow> history;
};

IslandsFound gather(const std::vector<actors::IslandOutcome>& outcomes) {
  IslandsFound found;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    for (const auto& ind : outcomes[k].best) found.all.emplace_back(ind, static_cast<int>(k));
    for (const auto& g : outcomes[k].history)
      found.history.push_back({g.generation, g.island, g.best_fitness, g.mean_fitness, g.evaluated});
  }
  return found;
}

void joint_search(const RunContext& ctx, actors::Node& node, const std::string& path, int round) {
  const auto& o = ctx.pipeline().search;
  const std::string method = round_method(ctx, round);
  say(ctx, "search: joint search" + (o.rounds > 1 ? " round " + std::to_string(round + 1) + " of " + std::to_string(o.rounds) : std::string()) +
               " on " + std::to_string(search_islands(ctx)) + " island(s), " + std::to_string(o.generations) +
               " generations, budget " + o.evolution.budget.describe());
  IslandsFound found = gather(run_islands(ctx, node, round));
  std::stable_sort(found.all.begin(), found.all.end(), [](const auto& a, const auto& b) { return a.first.fitness > b.first.fitness; });
  const Scoring scoring = load_scoring(ctx, kQuantPredictor);
  std::vector<SearchResult> results;
  std::vector<Individual> kept;
  for (const auto& [ind, island] : found.all) {
    if (static_cast<int>(results.size()) >= o.results) break;
    if (std::any_of(kept.begin(), kept.end(), [&](const Individual& k) { return same_candidate(k, ind); })) continue;
    kept.push_back(ind);
    results.push_back(to_result(ctx, *scoring.predictor, ind, static_cast<int>(results.size()), island));
  }
  write_search_set(ctx, path, method, o.evolution.budget, found.history, results);
  say(ctx, "search: best " + method + " candidate: " + describe(results.front()));
}

// The Pareto mode's one search: the islands' fronts merged into the run's front (cheapest first).
void pareto_search(const RunContext& ctx, actors::Node& node, const std::string& front_path) {
  const auto& o = ctx.pipeline().search;
  const CostAxis axis = o.evolution.pareto_axis;
  say(ctx, std::string("search: Pareto search, predicted accuracy against ") + cost_axis_name(axis) + ", on " +
               std::to_string(search_islands(ctx)) + " island(s), " + std::to_string(o.generations) +
               " generations, no budget: one front for every budget");
  const IslandsFound found = gather(run_islands(ctx, node, 0));
  std::vector<Objectives> objectives;
  for (const auto& [ind, island] : found.all) objectives.push_back({ind.fitness, cost_on(ind.costs, axis)});
  const Scoring scoring = load_scoring(ctx, kQuantPredictor);
  std::vector<SearchResult> results;
  std::vector<Individual> kept;
  for (std::size_t i : pareto_front(objectives)) {
    const Individual& ind = found.all[i].first;
    if (std::any_of(kept.begin(), kept.end(), [&](const Individual& k) { return same_candidate(k, ind); })) continue;
    kept.push_back(ind);
    results.push_back(to_result(ctx, *scoring.predictor, ind, static_cast<int>(results.size()), found.all[i].second));
  }
  std::filesystem::create_directories(std::filesystem::path(front_path).parent_path());
  write_search_set(ctx, front_path, "pareto", Budget{}, found.history, results);
  say(ctx, "search: Pareto front of " + std::to_string(results.size()) + " points in " + front_path);
}

// Closes the loop after a round: its best candidates are measured like collect-quant items (into
// the scenario's rounds.h5) and the scenario's quantization-aware predictor is retrained with
// them, so the next round's predictor knows the places this round's search went to.
void measure_round(const RunContext& ctx, actors::Node& node, const std::string& path, int round) {
  const auto& o = ctx.pipeline().search;
  std::vector<SearchResult> results;
  for (const auto& set : read_search(path).sets)
    if (set.method == round_method(ctx, round)) results = set.results;
  std::map<std::uint64_t, QuantPlanItem> plan;
  const auto first_id = static_cast<std::uint64_t>(ctx.pipeline().collect_quant.samples) +
                        static_cast<std::uint64_t>(round) * static_cast<std::uint64_t>(o.round_items);
  for (int k = 0; k < o.round_items && k < static_cast<int>(results.size()); ++k) {
    QuantPlanItem item;
    item.arch = parse_arch(*ctx.space, results[k].arch);
    item.policy = parse_policy(*ctx.space, item.arch, results[k].policy);
    item.kind = QuantItemKind::search_round;
    item.group = round;
    plan.emplace(first_id + static_cast<std::uint64_t>(k), item);
  }
  say(ctx, "search: measuring round " + std::to_string(round + 1) + "'s best " + std::to_string(plan.size()) +
               " candidates, then retraining the quantization-aware predictor");
  measure_quant_items(ctx, node, plan, ctx.scenario_file("rounds.h5"), ctx.scenario_file("costs.h5"), task::collect_quant);
  retrain_quant_predictor(ctx);
}

// The scenario's retrained predictor is made after the first round's results are written, and the
// first round must search with the run's predictor (load_search_predictor prefers the scenario's):
// the retrained one without those results is left from a search.h5 that was moved away.
void refuse_retrained_predictor_before_first_round(const RunContext& ctx, const std::string& path) {
  const std::string retrained = ctx.scenario_file("predictors.h5");
  if (h5::file_exists(retrained) && !has_results(path, round_method(ctx, 0)))
    throw std::runtime_error(retrained + ": retrained on search rounds that " + path +
                             " does not hold; move it and rounds.h5 away too, to search again");
}

}  // namespace

void search_stage(const RunContext& ctx, StageEnv& env) {
  actors::Node& node = env.node;
  if (!ctx.leader()) return;
  const std::string path = ctx.scenario_file("search.h5");
  const auto& o = ctx.pipeline().search;
  if (o.evolution.objective == Objective::pareto) {
    if (has_results(path, "joint")) {
      say(ctx, "search: joint results are in " + path + ", skipping");
    } else {
      const std::string front = ctx.file(front_file(ctx.options.resolved_config, o.evolution.pareto_axis));
      if (has_results(front, "pareto")) say(ctx, "search: the Pareto front in " + front + " answers this budget; no new search");
      else pareto_search(ctx, node, front);
      answer_from_front(ctx, front, path);
    }
    if (o.baselines) search_baselines(ctx, path);
    return;
  }
  refuse_retrained_predictor_before_first_round(ctx, path);
  for (int round = 0; round < ctx.pipeline().search.rounds; ++round) {
    const std::string method = round_method(ctx, round);
    if (has_results(path, method)) say(ctx, "search: " + method + " results are in " + path + ", skipping");
    else joint_search(ctx, node, path, round);
    if (method != "joint") measure_round(ctx, node, path, round);
  }
  if (ctx.pipeline().search.baselines) search_baselines(ctx, path);
}

}  // namespace apq
