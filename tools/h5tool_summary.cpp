// apq-h5 summary: what each run file holds.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <iostream>

#include "io/checkpoint_store.hpp"
#include "io/cost_table_store.hpp"
#include "io/dataset_store.hpp"
#include "io/final_store.hpp"
#include "io/predictor_store.hpp"
#include "io/search_store.hpp"
#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

namespace fs = std::filesystem;

namespace {

// "min / mean / max" of the finite values, and how many there were.
std::string range_of(const std::vector<double>& values, int decimals) {
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  int n = 0;
  for (double v : values)
    if (std::isfinite(v)) {
      lo = std::min(lo, v);
      hi = std::max(hi, v);
      sum += v;
      ++n;
    }
  if (n == 0) return "none";
  auto f = [&](double v) { return decimals < 0 ? short_number(v) : fixed(v, decimals); };
  return f(lo) + " / " + f(sum / n) + " / " + f(hi) + (n < static_cast<int>(values.size()) ? " (" + std::to_string(n) + " measured)" : "");
}

template <class R, class F>
std::vector<double> column(const std::vector<R>& records, F get) {
  std::vector<double> out;
  for (const auto& r : records) out.push_back(get(r));
  return out;
}

void line(std::ostream& out, const std::string& key, const std::string& value) {
  out << "  " << key << std::string(key.size() < 22 ? 22 - key.size() : 1, ' ') << value << "\n";
}

void common(std::ostream& out, const RunFileEntry& f, const RunMeta& meta) {
  out << base_name(f.path) << ": " << f.kind << " (schema version " << f.version << ")\n";
  line(out, "seed", std::to_string(meta.seed));
  line(out, "space", meta.space);
  line(out, "created by", "apq-actors " + meta.version);
}

void fp_summary(std::ostream& out, const RunFileEntry& f) {
  FpDataset d;
  with_retries(f.path, [&] { d = read_fp_dataset(f.path); });
  common(out, f, d.meta);
  line(out, "items", std::to_string(d.records.size()));
  line(out, "failed", std::to_string(d.failed.size()));
  line(out, "accuracy min/mean/max", range_of(column(d.records, [](auto& r) { return r.score.top1; }), 4));
  line(out, "seconds min/mean/max", range_of(column(d.records, [](auto& r) { return r.seconds; }), 2));
}

void quant_summary(std::ostream& out, const RunFileEntry& f) {
  QuantDataset d;
  with_retries(f.path, [&] { d = read_quant_dataset(f.path); });
  common(out, f, d.meta);
  const auto of_kind = [&](QuantItemKind kind) {
    return std::to_string(std::count_if(d.records.begin(), d.records.end(), [&](auto& r) { return r.kind == kind; }));
  };
  line(out, "items", std::to_string(d.records.size()) + " (" + of_kind(QuantItemKind::random_pair) + " random pairs, " +
                         of_kind(QuantItemKind::policy_group) + " policy-group items, " +
                         of_kind(QuantItemKind::search_round) + " search-round items)");
  line(out, "failed", std::to_string(d.failed.size()));
  line(out, "accuracy min/mean/max", range_of(column(d.records, [](auto& r) { return r.score.top1; }), 4));
  line(out, "fp_accuracy", range_of(column(d.records, [](auto& r) { return r.fp_accuracy; }), 4));
  line(out, "latency_ms", range_of(column(d.records, [](auto& r) { return r.latency_ms; }), 4));
  line(out, "energy_mj", range_of(column(d.records, [](auto& r) { return r.energy_mj; }), 4));
  line(out, "bitops", range_of(column(d.records, [](auto& r) { return r.bitops; }), -1));
  line(out, "seconds min/mean/max", range_of(column(d.records, [](auto& r) { return r.seconds; }), 2));
}

void supernet_summary(std::ostream& out, const RunFileEntry& f) {
  CheckpointSummary s;
  with_retries(f.path, [&] { s = read_checkpoint_summary(f.path); });
  common(out, f, s.meta);
  line(out, "step", std::to_string(s.step));
  line(out, "phase", s.phase + " (" + std::to_string(s.phases_done) + " phases done" +
                         (s.completed ? ", training completed)" : ")"));
  line(out, "images seen", std::to_string(s.images_seen));
  line(out, "weights", std::to_string(s.weight_arrays) + " arrays, " + std::to_string(s.weight_values) + " values");
  line(out, "optimizer", std::to_string(s.optimizer_arrays) + " arrays, " + std::to_string(s.optimizer_values) +
                             " values");
}

void predictors_summary(std::ostream& out, const RunFileEntry& f) {
  PredictorFile p;
  with_retries(f.path, [&] { p = read_predictors(f.path, false); });
  common(out, f, p.meta);
  for (const auto& [name, r] : p.predictors)
    line(out, name, "RMSE " + fixed(r.rmse, 4) + ", Pearson " + fixed(r.pearson, 3) + ", Kendall tau " +
                        fixed(r.kendall_tau, 3) + " +- " + fixed(r.kendall_tau_se, 3) + " on " +
                        std::to_string(r.n_heldout) + " held out (" +
                        std::to_string(r.n_train) + " trained, " + std::to_string(r.epochs) + " epochs)" +
                        (r.cv_folds > 0 ? "; " + std::to_string(r.cv_folds) + "-fold Kendall tau " +
                                              fixed(r.cv_kendall_tau, 3) + " +- " + fixed(r.cv_kendall_tau_se, 3)
                                        : std::string()));
}

void search_summary(std::ostream& out, const RunFileEntry& f) {
  SearchFile s;
  with_retries(f.path, [&] { s = read_search(f.path); });
  common(out, f, s.meta);
  auto budget = [](double v, const std::string& unit) { return v > 0 ? short_number(v) + unit : std::string("none"); };
  line(out, "budget", "latency " + budget(s.budget.latency_ms, " ms") + ", energy " + budget(s.budget.energy_mj, " mJ") +
                          ", BitOps " + budget(s.budget.bitops, ""));
  for (const auto& set : s.sets) {
    std::int64_t generations = 0;
    const std::int64_t evaluated = predictor_calls(set.history);
    double best = -INFINITY;
    for (const auto& h : set.history) {
      generations = std::max(generations, h.generation + 1);
      best = std::max(best, h.best_fitness);
    }
    std::string text = std::to_string(generations) + " generations, " + std::to_string(evaluated) + " evaluated";
    if (!set.history.empty()) text += ", best fitness " + fixed(best, 4);
    text += set.completed ? ", " + std::to_string(set.results.size()) + " results" : ", no results yet";
    if (!set.results.empty()) {
      const auto& top = set.results.front();
      text += " (top: predicted " + fixed(top.predicted_accuracy, 4) + ", " + fixed(top.latency_ms, 3) + " ms)";
    }
    line(out, set.method, text);
  }
}

void final_summary(std::ostream& out, const RunFileEntry& f) {
  FinalFile d;
  with_retries(f.path, [&] { d = read_final(f.path, false); });
  common(out, f, d.meta);
  line(out, "models", std::to_string(d.entries.size()));
  for (const auto& e : d.entries)
    line(out, "rank " + std::to_string(e.rank),
         "predicted " + fixed(e.predicted_accuracy, 4) +
             (std::isnan(e.label_recipe_val_accuracy) ? "" : ", as labelled " + fixed(e.label_recipe_val_accuracy, 4)) +
             (std::isnan(e.forecast_val_accuracy)
                  ? ""
                  : ", forecast " + fixed(e.forecast_val_accuracy, 4) + " +- " + fixed(e.forecast_stddev, 4)) +
             ", val " + fixed(e.val_accuracy, 4) + ", test " +
             fixed(e.test_accuracy, 4) + ", " + fixed(e.latency_ms, 3) + " ms, " + fixed(e.energy_mj, 3) + " mJ, " +
             short_number(e.bitops) + " BitOps");
}

void cost_table_summary(std::ostream& out, const RunFileEntry& f) {
  CostTableData t;
  with_retries(f.path, [&] { t = read_cost_table(f.path); });
  out << base_name(f.path) << ": " << f.kind << " (schema version " << f.version << ")\n";
  line(out, "source", t.source);
  line(out, "rows", std::to_string(t.rows.size()) + " (layer shape x bit widths)");
  line(out, "latency_ms", range_of(column(t.rows, [](auto& r) { return r.latency_ms; }), 5));
  line(out, "energy_mj", range_of(column(t.rows, [](auto& r) { return r.energy_mj; }), 5));
}

void other_summary(std::ostream& out, const RunFileEntry& f) {  // image sets and future kinds
  out << base_name(f.path) << ": " << f.kind << " (schema version " << f.version << ")\n";
  with_retries(f.path, [&] {
    const RunFile file = RunFile::open_read(f.path);
    if (file.has_attr("seed")) line(out, "seed", std::to_string(file.int_attr("seed")));
    if (file.has_attr("created_by")) line(out, "created by", file.string_attr("created_by"));
    std::string members;
    for (const auto& m : file.children()) members += (members.empty() ? "" : ", ") + m;
    line(out, "members", members.empty() ? "none" : members);
  });
}

// The search scenarios of a run directory (pipeline/scenario.hpp): which are searched and finalized,
// and which one the run directory's search.h5 links to.
void scenarios_summary(const std::string& path, std::ostream& out) {
  const fs::path folder = fs::path(path) / "scenarios";
  if (!is_directory(path) || !fs::is_directory(folder)) return;
  std::error_code ec;
  const std::string linked = fs::read_symlink(fs::path(path) / "search.h5", ec).parent_path().filename().string();
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(folder))
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  out << "\nscenarios (" << folder.string() << "):\n";
  for (const auto& name : names) {
    const bool searched = fs::exists(folder / name / "search.h5"), finalized = fs::exists(folder / name / "final.h5");
    out << "  " << name << ": " << (finalized ? "searched, finalized" : searched ? "searched" : "not searched yet")
        << (name == linked ? " (search.h5, final.h5 and models link here)" : "") << "\n";
  }
}

}  // namespace

int summary(const std::string& path, std::ostream& out) {
  int status = 0;
  bool first = true;
  std::vector<std::string> runs;  // "seed 7, space ..." of each file that has them
  for (const auto& f : list_run_files(path)) {
    if (f.error.empty())
      with_retries(f.path, [&] {
        const RunFile file = RunFile::open_read(f.path);
        if (!file.has_attr("seed") || !file.has_attr("space")) return;
        const std::string run = "seed " + std::to_string(file.int_attr("seed")) + ", space '" + file.string_attr("space") + "'";
        if (std::find(runs.begin(), runs.end(), run) == runs.end()) runs.push_back(run);
      });
    if (!first) out << "\n";
    first = false;
    if (!f.error.empty()) {
      std::cerr << "apq-h5: error: " << f.error << "\n";
      out << base_name(f.path) << ": unreadable\n";
      status = 2;
      continue;
    }
    if (f.kind == run_kind::fp_dataset) fp_summary(out, f);
    else if (f.kind == run_kind::quant_dataset) quant_summary(out, f);
    else if (f.kind == run_kind::supernet) supernet_summary(out, f);
    else if (f.kind == run_kind::predictors) predictors_summary(out, f);
    else if (f.kind == run_kind::search) search_summary(out, f);
    else if (f.kind == run_kind::final_models) final_summary(out, f);
    else if (f.kind == "cost-table") cost_table_summary(out, f);
    else other_summary(out, f);
  }
  scenarios_summary(path, out);
  if (runs.size() > 1) {
    out << "\nwarning: these files belong to " << runs.size() << " different runs:\n";
    for (const auto& r : runs) out << "  " << r << "\n";
  }
  return status;
}

}  // namespace apq::h5tool
