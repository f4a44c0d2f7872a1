// Stage 7: the joint search on evolution islands spread over the ranks, migrating over the
// configured topology; rank 0 starts them, gathers their best and writes search.h5. Then the
// baselines under the same budget (launch/search_baselines.hpp), for comparison.
#include <algorithm>
#include <map>

#include "actors/island.hpp"
#include "actors/node.hpp"
#include "io/search_store.hpp"
#include "launch/quant_items.hpp"
#include "launch/scoring.hpp"
#include "launch/search_baselines.hpp"
#include "launch/search_candidates.hpp"
#include "launch/stages.hpp"
#include "launch/work_plan.hpp"

namespace apq {
namespace {

// Sends every island its start request and collects the answers (an island's error is thrown here).
std::vector<actors::IslandOutcome> run_islands(const RunContext& ctx, actors::Node& node, int round) {
  const actors::Layout layout = run_layout(ctx);
  caf::scoped_actor self(node.system());
  actors::WorkItem start;
  start.task = "search";
  const std::uint64_t seed = ctx.pipeline().search.evolution.seed;
  start.seed = round == 0 ? seed : derive_seed(seed, stream_tag("search-round"), static_cast<std::uint64_t>(round));
  // Start every island before waiting for any: they depend on each other's migrants.
  using Handle = decltype(node.router().request(self.ptr(), layout.island(0), start));
  std::vector<Handle> pending;
  for (int k = 0; k < layout.num_islands(); ++k) {
    start.id = static_cast<std::uint64_t>(k);
    pending.push_back(node.router().request(self.ptr(), layout.island(k), start));
  }
  std::vector<actors::IslandOutcome> outcomes(layout.num_islands());
  for (int k = 0; k < layout.num_islands(); ++k) {
    std::string error;
    pending[k].receive(
        [&](actors::WorkResult& r) { outcomes[k] = actors::read_island_result(*ctx.space, r); },
        [&](caf::error& e) { error = "search: island " + std::to_string(k) + ": " + node.system().render(e); });
    if (!error.empty()) throw std::runtime_error(error);
  }
  return outcomes;
}

std::string round_method(const RunContext& ctx, int round) {
  return round == ctx.pipeline().search.rounds - 1 ? "joint" : "joint_round" + std::to_string(round);
}

void joint_search(const RunContext& ctx, actors::Node& node, const std::string& path, int round) {
  const auto& o = ctx.pipeline().search;
  const std::string method = round_method(ctx, round);
  say(ctx, "search: joint search" + (o.rounds > 1 ? " round " + std::to_string(round + 1) + " of " + std::to_string(o.rounds) : std::string()) +
               " on " + std::to_string(search_islands(ctx)) + " island(s), " + std::to_string(o.generations) +
               " generations, budget " + o.evolution.budget.describe());
  const auto outcomes = run_islands(ctx, node, round);
  std::vector<std::pair<Individual, int>> all;
  std::vector<HistoryRow> history;
  for (std::size_t k = 0; k < outcomes.size(); ++k) {
    for (const auto& ind : outcomes[k].best) all.emplace_back(ind, static_cast<int>(k));
    for (const auto& g : outcomes[k].history)
      history.push_back({g.generation, g.island, g.best_fitness, g.mean_fitness, g.evaluated});
  }
  std::stable_sort(all.begin(), all.end(), [](const auto& a, const auto& b) { return a.first.fitness > b.first.fitness; });
  const Scoring scoring = load_scoring(ctx, kQuantPredictor);
  std::vector<SearchResult> results;
  std::vector<Individual> kept;
  for (const auto& [ind, island] : all) {
    if (static_cast<int>(results.size()) >= o.results) break;
    if (std::any_of(kept.begin(), kept.end(), [&](const Individual& k) { return same_candidate(k, ind); })) continue;
    kept.push_back(ind);
    results.push_back(to_result(ctx, *scoring.predictor, ind, static_cast<int>(results.size()), island));
  }
  SearchWriter writer(path, ctx.meta, method, store_budget(o.evolution.budget));
  writer.truncate_history(0);  // a search that did not finish left partial history
  writer.append_history(history);
  writer.write_results(results);
  say(ctx, "search: best " + method + " candidate: " + describe(results.front()));
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
  measure_quant_items(ctx, node, plan, ctx.scenario_file("rounds.h5"), ctx.scenario_file("costs.h5"));
  retrain_quant_predictor(ctx);
}

}  // namespace

void search_stage(const RunContext& ctx, actors::Node& node) {
  if (!ctx.leader()) return;
  const std::string path = ctx.scenario_file("search.h5");
  for (int round = 0; round < ctx.pipeline().search.rounds; ++round) {
    const std::string method = round_method(ctx, round);
    if (has_results(path, method)) say(ctx, "search: " + method + " results are in " + path + ", skipping");
    else joint_search(ctx, node, path, round);
    if (method != "joint") measure_round(ctx, node, path, round);
  }
  if (ctx.pipeline().search.baselines) search_baselines(ctx, path);
}

}  // namespace apq
