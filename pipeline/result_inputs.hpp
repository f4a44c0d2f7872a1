// A run directory is a cache keyed by its config: every run file records the resolved config it
// was written under (its `config` attribute), and each file's contents are decided by some of
// its sections (the file's inputs). A run whose config differs in a file's inputs (a budget, the
// cost table, a collection setting, anything upstream) must never be served that file, nor
// append to or overwrite it: it is refused at start-up, before any work, with one line naming
// the first key that differs. Only the predictors, cheap to remake, are retrained instead.
// A search scenario's files sit in its own folder (pipeline/scenario.hpp): another budget or search
// setting is another scenario, not a refusal; a changed [finalize] for the same one is refused.
#pragma once
#include <string>

#include "analysis/config_inputs.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

// Throws std::runtime_error (one line) when `path` exists and its recorded config differs from
// `resolved_config` in `inputs`.
void check_result_inputs(const std::string& path, const std::string& resolved_config, const FileInputs& inputs);

// Rank 0, at start-up: every dataset and result file that the requested stages read or write
// was made from this config's inputs.
void check_run_results(const RunContext& ctx);

}  // namespace apq
