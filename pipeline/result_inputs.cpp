#include "pipeline/result_inputs.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/run_meta.hpp"

namespace apq {

void check_result_inputs(const std::string& path, const std::string& resolved_config, const FileInputs& inputs) {
  if (!h5::file_exists(path)) return;
  const RunFile file = RunFile::open_read(path);
  const std::string here = inputs_of(resolved_config, inputs);
  const std::string stored = inputs_of(file.has_attr("config") ? file.string_attr("config") : "", inputs);
  if (stored == here) return;
  throw std::runtime_error(path + ": was made with another config (" + first_difference(here, stored) +
                           "); use another --run-dir, or move the file away to recompute it");
}

void check_run_results(const RunContext& ctx) {
  if (!ctx.leader()) return;
  // Each file, with the stages that read or write it.
  // Each file (in the run directory, or in this config's scenario folder), with the stages that
  // read or write it.
  const struct {
    const char* file;
    bool in_scenario;
    FileInputs inputs;
    std::vector<const char*> stages;
  } files[] = {{"fp_dataset.h5", false, fp_dataset_inputs(), {"collect-fp", "predictor"}},
               {"quant_dataset.h5", false, quant_dataset_inputs(), {"collect-quant", "predictor", "search", "finalize"}},
               {"search.h5", true, search_inputs(), {"search", "finalize"}},
               {"rounds.h5", true, search_inputs(), {"search"}},
               {"final.h5", true, final_inputs(), {"finalize"}},
               {"finetune_gain.h5", false, finetune_gain_inputs(), {"finalize"}}};
  for (const auto& f : files)
    if (std::any_of(f.stages.begin(), f.stages.end(), [&](const char* stage) { return ctx.runs(stage); }))
      check_result_inputs(f.in_scenario ? ctx.scenario_file(f.file) : ctx.file(f.file), ctx.options.resolved_config,
                          f.inputs);
}

}  // namespace apq
