// One search, every budget: the Pareto mode of the search stage ([search] mode = pareto). The
// islands search predicted accuracy against one cost (pareto-axis) with no budget, and their
// merged non-dominated front is stored once per run in fronts/<axis>-<hash>.h5; each scenario
// (budget) is then answered from that front without searching again: its search.h5 holds a copy
// of the front (method "pareto", ranked cheapest first) and, as "joint", the front's points
// within its budget, best first. The hash covers everything the front depends on (upstream
// sections, [cost], [search]) except what only picks from it (the budget, results, baselines).
#pragma once
#include <string>
#include <vector>

#include "base/costs.hpp"
#include "io/search_store.hpp"

namespace apq {

struct RunContext;

// "fronts/latency-1a2b3c4d.h5", relative to the run directory, from a resolved config text.
std::string front_file(const std::string& resolved_config, CostAxis axis);

// The front's points within the budget, best first by what the search ranks by (the predicted
// mean less `penalty` times the ensemble's spread), at most `count`, ranks renumbered from 0.
std::vector<SearchResult> answer_budget(const std::vector<SearchResult>& front, const Budget& budget, double penalty,
                                        int count);

// Rank 0: copies the run's front into the scenario's search.h5 (`path`) and answers its budget
// there as the "joint" set, with the front search's history (its predictor calls). Throws one
// line when no point of the front is within the budget.
void answer_from_front(const RunContext& ctx, const std::string& front_path, const std::string& path);

}  // namespace apq
