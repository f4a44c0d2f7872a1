// A search scenario: one deployment target (a budget, a cost table, the search settings) answered
// from the run's shared supernet, datasets and predictors. A run directory holds any number of
// them side by side, each in its own folder scenarios/<name>/ with its search.h5, final.h5,
// models/, its cost table (costs.h5), the items its search rounds measured (rounds.h5) and the
// quantization-aware predictor retrained on them (predictors.h5). The name is the budget,
// readable, and a hash of the config's [cost] and [search] sections: another scenario never
// reads or overwrites one, and the same config finds its own again (resume). Everything
// upstream (space, data, seed, training, collection, predictor settings) is shared and must
// match; a change there is refused at start-up (pipeline/result_inputs.hpp). The run directory's
// search.h5, final.h5 and models are links to the scenario run last.
#pragma once
#include <string>

namespace apq {

struct RunContext;

// "latency0.11ms-1a2b3c4d" ("unconstrained-..." without a budget), from a resolved config text.
std::string scenario_name(const std::string& resolved_config);

// 8 hex digits naming a config text (its inputs): a folder or file name that changes with it.
std::string config_hash(const std::string& text);

// The folder of a scenario, relative to the run directory: "scenarios/<name>".
std::string scenario_folder(const std::string& name);

// Rank 0, at start-up: the results of an earlier version (plain search.h5, final.h5 and models/
// in the run directory: one scenario) move, unchanged, into the folder of the scenario their
// recorded config names.
void adopt_earlier_results(const RunContext& ctx);

// Rank 0, at start-up: finalize alone is refused for a scenario that was never searched.
void check_scenario(const RunContext& ctx);

// Rank 0, before the search or finalize stage: creates this run's scenario folder and points the
// run directory's links at it.
void enter_scenario(const RunContext& ctx);

}  // namespace apq
