// The report stage, rank 0: the run's experiment in one place. The transfer curve
// (pipeline/transfer_curve.hpp) is computed once per predictor inputs and [report] settings and
// reused from report.h5 afterwards; every finalized scenario's final.h5 is gathered afresh each
// time (cheap), so a report run after a new budget includes it. Writes report.h5, then report.md
// with its charts (analysis/report_markdown.hpp).
#include <algorithm>
#include <filesystem>

#include "analysis/report_markdown.hpp"
#include "io/final_store.hpp"
#include "io/hdf5_file.hpp"
#include "io/report_store.hpp"
#include "io/search_store.hpp"
#include "pipeline/result_inputs.hpp"
#include "pipeline/scenario.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/transfer_curve.hpp"

namespace fs = std::filesystem;

namespace apq {
namespace {

FileInputs curve_inputs() {
  FileInputs inputs = predictor_inputs();
  inputs.sections.push_back("report");
  return inputs;
}

// One finalized network as a report row, field by field.
ReportRow report_row(const std::string& scenario, bool pareto, const SearchBudget& budget, const FinalEntry& e) {
  ReportRow r;
  r.scenario = scenario;
  r.search_mode = pareto ? "pareto" : "budget";
  r.budget_latency_ms = budget.latency_ms;
  r.budget_energy_mj = budget.energy_mj;
  r.budget_bitops = budget.bitops;
  r.method = e.method;
  r.rank = e.rank;
  r.predicted_accuracy = e.predicted_accuracy;
  r.predicted_stddev = e.predicted_stddev;
  r.val_accuracy = e.val_accuracy;
  r.test_accuracy = e.test_accuracy;
  r.latency_ms = e.latency_ms;
  r.energy_mj = e.energy_mj;
  r.bitops = e.bitops;
  r.val_images = e.val_images;
  r.test_images = e.test_images;
  r.label_recipe_val_accuracy = e.label_recipe_val_accuracy;
  r.forecast_val_accuracy = e.forecast_val_accuracy;
  r.forecast_stddev = e.forecast_stddev;
  return r;
}

// Every finalized network of every scenario in the run directory, scenarios by name. A scenario
// finalized from other predictors (another supernet, labels or predictor setting: its files were
// moved away and remade since) is another experiment; it is left out, with a line naming it.
std::vector<ReportRow> finalized_rows(const RunContext& ctx) {
  const std::string upstream = inputs_of(ctx.options.resolved_config, predictor_weights_inputs());
  const fs::path folder = fs::path(ctx.options.run_dir) / "scenarios";
  std::vector<std::string> names;
  if (fs::is_directory(folder))
    for (const auto& entry : fs::directory_iterator(folder))
      if (h5::file_exists((entry.path() / "final.h5").string())) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  std::vector<ReportRow> rows;
  for (const auto& name : names) {
    const fs::path dir = folder / name;
    const FinalFile final = read_final((dir / "final.h5").string(), false);
    const std::string stored = inputs_of(final.meta.config, predictor_weights_inputs());
    if (stored != upstream) {
      say(ctx, "report: left out scenario " + name + ", finalized from another config (" + first_difference(upstream, stored) + ")");
      continue;
    }
    const SearchFile search = read_search((dir / "search.h5").string());
    const bool pareto = std::any_of(search.sets.begin(), search.sets.end(), [](const SearchSet& s) { return s.method == "pareto"; });
    for (const auto& e : final.entries) rows.push_back(report_row(name, pareto, search.budget, e));
  }
  return rows;
}

}  // namespace

void report_stage(const RunContext& ctx, StageEnv&) {
  if (!ctx.leader()) return;
  const std::string path = ctx.file("report.h5");
  ReportFile report;
  report.meta = ctx.meta;
  bool reused = false;
  if (h5::file_exists(path)) {
    try {
      const ReportFile old = read_report(path);
      if (inputs_of(old.meta.config, curve_inputs()) == inputs_of(ctx.options.resolved_config, curve_inputs())) {
        report.curve = old.curve;
        reused = true;
      }
    } catch (const std::exception& e) {
      say(ctx, std::string("report: ") + path + " is not readable (" + e.what() + "); computing it again");
    }
  }
  const auto& o = ctx.pipeline().report;
  if (reused) say(ctx, "report: the transfer curve in " + path + " is current, reusing it");
  else report.curve = transfer_curve(ctx, o.curve_pairs, o.curve_seeds);
  report.rows = finalized_rows(ctx);
  write_report(path, report);
  const std::string markdown = write_report_markdown(ctx.options.run_dir, report);
  say(ctx, "report: " + markdown + " (" + std::to_string(report.rows.size()) + " finalized networks) and " + path + " written");
}

}  // namespace apq
