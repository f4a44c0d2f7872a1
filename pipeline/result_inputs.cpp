#include "pipeline/result_inputs.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/run_meta.hpp"

namespace apq {

void check_result_inputs(const std::string& path, const std::string& resolved_config, const FileInputs& inputs) {
  if (!h5::file_exists(path)) return;
  const RunFile file = RunFile::open_read(path);
  run_file_kind(file);  // a file that is not the program's is named as such, not as another config
  const std::string here = inputs_of(resolved_config, inputs);
  const std::string stored = inputs_of(file.has_attr("config") ? file.string_attr("config") : "", inputs);
  if (stored == here) return;
  throw std::runtime_error(path + ": was made with another config (" + first_difference(here, stored) +
                           "); use another --run-dir, or move the file away to recompute it");
}

void check_run_results(const RunContext& ctx) {
  if (!ctx.leader()) return;
  // Each file (in the run directory, or in this config's scenario folder), with the stages that
  // read or write it, and the stage that remakes it when stale instead (the predictors: a stale
  // predictors.h5 is retrained by the predictor stage before any later stage reads it).
  const struct {
    const char* file;
    bool in_scenario;
    FileInputs inputs;
    std::vector<const char*> stages;
    const char* remade_by;
  } files[] = {{"fp_dataset.h5", false, fp_dataset_inputs(), {"collect-fp", "predictor"}, nullptr},
               {"quant_dataset.h5", false, quant_dataset_inputs(), {"collect-quant", "predictor", "search", "finalize", "report"}, nullptr},
               {"supernet.h5", false, supernet_inputs(), {"train", "collect-fp", "collect-quant", "search", "finalize"}, nullptr},
               {"predictors.h5", false, predictor_weights_inputs(), {"search", "finalize", "report"}, "predictor"},
               {"search.h5", true, search_inputs(), {"search", "finalize"}, nullptr},
               {"rounds.h5", true, search_inputs(), {"search"}, nullptr},
               {"predictors.h5", true, search_inputs(), {"search", "finalize"}, nullptr},
               {"final.h5", true, final_inputs(), {"finalize"}, nullptr},
               {"finetune_gain.h5", false, finetune_gain_inputs(), {"finalize"}, nullptr}};
  for (const auto& f : files) {
    if (f.remade_by != nullptr && ctx.runs(f.remade_by)) continue;
    if (std::any_of(f.stages.begin(), f.stages.end(), [&](const char* stage) { return ctx.runs(stage); }))
      check_result_inputs(f.in_scenario ? ctx.scenario_file(f.file) : ctx.file(f.file), ctx.options.resolved_config,
                          f.inputs);
  }
}

}  // namespace apq
