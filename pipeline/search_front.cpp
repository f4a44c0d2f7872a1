#include "pipeline/search_front.hpp"

#include <algorithm>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "pipeline/result_inputs.hpp"
#include "pipeline/run_context.hpp"
#include "pipeline/scenario.hpp"
#include "pipeline/search_candidates.hpp"
#include "pipeline/stages.hpp"

namespace apq {
namespace {

FileInputs front_inputs() {
  FileInputs inputs = search_inputs();
  for (const char* key : {"search.latency-ms", "search.energy-mj", "search.bitops", "search.results", "search.baselines"})
    inputs.ignored.push_back(key);
  return inputs;
}

const SearchSet& completed_set(const SearchFile& file, const std::string& path, const std::string& method) {
  for (const auto& set : file.sets)
    if (set.method == method && set.completed) return set;
  throw std::runtime_error(path + ": holds no completed " + method + " results");
}

}  // namespace

std::string front_file(const std::string& resolved_config, CostAxis axis) {
  return std::string("fronts/") + cost_axis_name(axis) + "-" + config_hash(inputs_of(resolved_config, front_inputs())) + ".h5";
}

std::vector<SearchResult> answer_budget(const std::vector<SearchResult>& front, const Budget& budget, double penalty,
                                        int count) {
  std::vector<SearchResult> within;
  for (const SearchResult& r : front)
    if (budget.admits(costs_of(r))) within.push_back(r);
  auto fitness = [penalty](const SearchResult& r) { return r.predicted_accuracy - penalty * r.predicted_stddev; };
  std::stable_sort(within.begin(), within.end(), [&](const SearchResult& a, const SearchResult& b) { return fitness(a) > fitness(b); });
  if (static_cast<int>(within.size()) > count) within.resize(static_cast<std::size_t>(count));
  for (std::size_t i = 0; i < within.size(); ++i) within[i].rank = static_cast<std::int32_t>(i);
  return within;
}

void answer_from_front(const RunContext& ctx, const std::string& front_path, const std::string& path) {
  const auto& o = ctx.pipeline().search;
  const SearchFile file = read_search(front_path);
  const SearchSet& front = completed_set(file, front_path, "pareto");
  if (!has_results(path, "pareto")) write_search_set(ctx, path, "pareto", o.evolution.budget, front.history, front.results);
  const std::vector<SearchResult> answer = answer_budget(front.results, o.evolution.budget, o.uncertainty_penalty, o.results);
  if (answer.empty()) {
    const CostAxis axis = o.evolution.pareto_axis;
    std::ostringstream range;
    range << cost_on(costs_of(front.results.front()), axis) << " to " << cost_on(costs_of(front.results.back()), axis);
    throw std::runtime_error("search: no point of the Pareto front in " + front_path + " (" + std::to_string(front.results.size()) +
                             " points, " + cost_axis_name(axis) + " " + range.str() + ") is within the budget (" +
                             o.evolution.budget.describe() + ")");
  }
  write_search_set(ctx, path, "joint", o.evolution.budget, front.history, answer);
  say(ctx, "search: the scenario's budget (" + o.evolution.budget.describe() + ") answered from the Pareto front's " +
               std::to_string(front.results.size()) + " points, its best " + std::to_string(answer.size()) + " kept; best " +
               describe(answer.front()));
}

}  // namespace apq
