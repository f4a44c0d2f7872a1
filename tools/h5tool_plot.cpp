// apq-h5 plot: accuracy against cost with the Pareto front, or predicted against measured accuracy.
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <stdexcept>

#include "analysis/svg_chart.hpp"
#include "io/final_store.hpp"
#include "io/predictor_store.hpp"
#include "io/run_meta.hpp"
#include "io/search_store.hpp"
#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

namespace {

const char* kPalette[] = {"#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};

// The run's search budget on this axis (0 = none, or no search.h5 under path).
double search_budget(const std::string& path, CostAxis axis) {
  try {
    const std::string file = find_run_file(path, run_kind::search);
    note_reading(file);
    const SearchFile f = read_search(file);
    return axis == CostAxis::latency ? f.budget.latency_ms : axis == CostAxis::energy ? f.budget.energy_mj : f.budget.bitops;
  } catch (const std::exception&) {
    return 0;  // no search file: nothing to draw
  }
}

Chart pareto_chart(const std::string& path, const std::string& source, CostAxis axis) {
  const PointSet set = load_points(path, source, axis);
  if (set.points.empty()) throw std::runtime_error(set.file + ": no points with finite accuracy and " + cost_column(axis));
  const auto front = pareto_front(set.points);
  Series all{set.label_column == "id" ? "items (" + std::to_string(set.points.size()) + ")"
                                      : "candidates (" + std::to_string(set.points.size()) + ")",
             "#1f77b4", {}, {}};
  for (const auto& p : set.points) {
    all.x.push_back(p.cost);
    all.y.push_back(100 * p.accuracy);
  }
  Series line{"Pareto front (" + std::to_string(front.size()) + ")", "#d62728", {}, {}, true, true};
  for (auto i : front) {
    line.x.push_back(set.points[i].cost);
    line.y.push_back(100 * set.points[i].accuracy);
  }
  Chart chart;
  chart.title = base_name(set.file) + ": " + set.accuracy_column + " vs " + cost_column(axis);
  chart.x_label = cost_label(axis);
  chart.y_label = set.accuracy_column + " (top-1, %)";
  chart.series = {all, line};
  const double budget = search_budget(path, axis);
  if (budget > 0) {
    const auto [lo, hi] = std::minmax_element(all.y.begin(), all.y.end());
    chart.series.push_back({"search budget " + short_number(budget) + (axis == CostAxis::latency  ? " ms"
                                                                       : axis == CostAxis::energy ? " mJ"
                                                                                                  : ""),
                            "#7f7f7f", {budget, budget}, {*lo, *hi}, false, true, true});
  }
  return chart;
}

Chart predictor_chart(const std::string& path) {
  const std::string file = find_run_file(path, run_kind::predictors);
  PredictorFile p;
  with_retries(file, [&] { p = read_predictors(file, false); });
  Chart chart;
  chart.title = base_name(file) + ": predicted vs measured accuracy (held out)";
  chart.x_label = "measured accuracy (top-1, %)";
  chart.y_label = "predicted accuracy (top-1, %)";
  chart.same_scale = true;
  double lo = 100, hi = 0;
  std::size_t colour = 0;
  for (const auto& [name, r] : p.predictors) {
    Series s{name + ": RMSE " + fixed(100 * r.rmse, 2) + " pts, tau " + fixed(r.kendall_tau, 2) + ", n " +
                 std::to_string(r.heldout_target.size()),
             kPalette[colour++ % 6], {}, {}};
    for (std::size_t i = 0; i < r.heldout_target.size(); ++i) {
      s.x.push_back(100 * r.heldout_target[i]);
      s.y.push_back(100 * r.heldout_predicted[i]);
      lo = std::min({lo, s.x.back(), s.y.back()});
      hi = std::max({hi, s.x.back(), s.y.back()});
    }
    chart.series.push_back(std::move(s));
  }
  FinalFile final_models;  // the finalized candidates of the run, when PATH is its directory
  try {
    const std::string final_path = find_run_file(path, run_kind::final_models);
    note_reading(final_path);
    final_models = read_final(final_path, false);
  } catch (const std::exception&) {
  }
  if (!final_models.entries.empty()) {
    Series s{"final models: predicted vs test (" + std::to_string(final_models.entries.size()) + ")", "#d62728", {}, {}};
    for (const auto& e : final_models.entries) {
      s.x.push_back(100 * e.test_accuracy);
      s.y.push_back(100 * e.predicted_accuracy);
      lo = std::min({lo, s.x.back(), s.y.back()});
      hi = std::max({hi, s.x.back(), s.y.back()});
    }
    chart.series.push_back(std::move(s));
  }
  if (chart.series.empty() || lo > hi) throw std::runtime_error(file + ": no held-out pairs to plot");
  const double pad = (hi - lo) * 0.5 + 1;  // y = x across the whole (padded) plot; clipped there
  chart.series.push_back({"y = x", "#555555", {lo - pad, hi + pad}, {lo - pad, hi + pad}, false, true, true, false});
  return chart;
}

}  // namespace

void plot(const std::string& path, const std::string& kind, const std::string& source, CostAxis axis,
          const std::string& svg_path) {
  Chart chart;
  if (kind == "pareto") chart = pareto_chart(path, source, axis);
  else if (kind == "predictor") chart = predictor_chart(path);
  else throw std::invalid_argument("--kind must be pareto or predictor, not '" + kind + "'");
  const std::string svg = render_svg(chart);
  const std::string temp = svg_path + ".tmp";
  {
    std::ofstream out(temp, std::ios::binary);
    out << svg;
    if (!out.flush()) throw std::runtime_error(svg_path + ": cannot write");
  }
  if (std::rename(temp.c_str(), svg_path.c_str()) != 0) {
    std::remove(temp.c_str());
    throw std::runtime_error(svg_path + ": cannot write");
  }
}

}  // namespace apq::h5tool
