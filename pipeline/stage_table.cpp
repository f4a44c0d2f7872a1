#include "pipeline/stage_table.hpp"

#include <algorithm>

#include "pipeline/dry_run.hpp"
#include "pipeline/stages.hpp"

namespace apq {

const std::vector<Stage>& pipeline_stages() {
  static const std::vector<Stage> stages = {
      {"train", true, false, train_stage, estimate_train},
      {"collect-fp", false, false, collect_fp_stage, estimate_collect_fp},
      {"collect-quant", false, false, collect_quant_stage, estimate_collect_quant},
      {"predictor", false, false, predictor_stage, estimate_predictor},
      {"search", false, true, search_stage, estimate_search},
      {"finalize", false, true, finalize_stage, estimate_finalize},
      {"report", false, false, report_stage, estimate_report},
  };
  return stages;
}

void check_stage_name(const std::string& stage) {
  const auto& stages = pipeline_stages();
  if (stage == "all" || std::any_of(stages.begin(), stages.end(), [&](const Stage& s) { return stage == s.name; }))
    return;
  std::string list = "all";
  for (const auto& s : stages) list += std::string(", ") + s.name;
  throw UsageError("unknown stage '" + stage + "' (choose from " + list + ")");
}

}  // namespace apq
