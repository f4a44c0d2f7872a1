#include "analysis/report_markdown.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "analysis/method_comparison.hpp"
#include "analysis/number_text.hpp"
#include "analysis/prediction_check.hpp"
#include "analysis/svg_chart.hpp"

namespace apq {
namespace {

const char* kPalette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf"};

std::string pm(const MeanSpread& m, int decimals) { return fixed(m.mean, decimals) + " ± " + fixed(m.sd, decimals); }
std::string pct(double fraction) { return fixed(100 * fraction, 2); }

void write_file(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary);
    out << text;
    if (!out) throw std::runtime_error(temporary.string() + ": cannot write");
  }
  std::filesystem::rename(temporary, path);
}

// ---- transfer vs scratch ----

std::string transfer_section(const TransferCurve& c, Chart& chart) {
  std::map<std::int64_t, std::map<std::string, std::vector<const CurvePoint*>>> by_pairs;
  for (const auto& p : c.points) by_pairs[p.pairs][p.method].push_back(&p);
  std::ostringstream md;
  md << "## Transfer vs scratch: the quantization-aware predictor\n\n"
     << "Held-out Kendall tau and RMSE of a predictor transferred from the full-precision one and of one "
     << "trained from scratch, on growing numbers of quantized training pairs, each on the same "
     << c.heldout << " held-out pairs; mean ± standard deviation over seeds (a seed is a subset and an "
     << "initialisation). The labels: " << c.label_target << " on " << c.label_items << " items, split-half tau "
     << fixed(c.label_split_half_tau, 2) << ", reliability " << fixed(c.label_reliability, 2)
     << ", so no predictor can rank them better than tau ≈ " << fixed(c.label_tau_ceiling, 2) << ".\n\n"
     << "| pairs | seeds | transfer tau | scratch tau | transfer − scratch tau (± SE) | transfer RMSE | scratch RMSE |\n"
     << "| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  Series transfer{"transfer (mean)", kPalette[0], {}, {}, true, true};
  Series scratch{"scratch (mean)", kPalette[1], {}, {}, true, true};
  Series transfer_seeds{"transfer (each seed)", "#9ecae1", {}, {}};
  Series scratch_seeds{"scratch (each seed)", "#fcbba1", {}, {}};
  std::string verdict;
  for (const auto& [pairs, methods] : by_pairs) {
    auto values = [&](const std::string& method, double CurvePoint::*field) {
      std::vector<double> out;
      const auto it = methods.find(method);
      if (it != methods.end())
        for (const CurvePoint* p : it->second) out.push_back(p->*field);
      return out;
    };
    const auto t = values("transfer", &CurvePoint::kendall_tau), s = values("scratch", &CurvePoint::kendall_tau);
    std::vector<double> diff;
    for (std::size_t i = 0; i < std::min(t.size(), s.size()); ++i) diff.push_back(t[i] - s[i]);  // same subset per seed
    const MeanSpread mt = mean_spread(t), ms = mean_spread(s), md_ = mean_spread(diff);
    const double se = md_.n > 1 ? md_.sd / std::sqrt(md_.n) : NAN;
    md << "| " << pairs << " | " << mt.n << " | " << pm(mt, 3) << " | " << pm(ms, 3) << " | " << fixed(md_.mean, 3) << " ± "
       << fixed(se, 3) << " | " << pm(mean_spread(values("transfer", &CurvePoint::rmse)), 4) << " | "
       << pm(mean_spread(values("scratch", &CurvePoint::rmse)), 4) << " |\n";
    transfer.x.push_back(static_cast<double>(pairs)), transfer.y.push_back(mt.mean);
    scratch.x.push_back(static_cast<double>(pairs)), scratch.y.push_back(ms.mean);
    for (double v : t) transfer_seeds.x.push_back(static_cast<double>(pairs)), transfer_seeds.y.push_back(v);
    for (double v : s) scratch_seeds.x.push_back(static_cast<double>(pairs)), scratch_seeds.y.push_back(v);
    if (verdict.empty() && md_.n > 1) {
      const bool holds = md_.mean > 2 * se;
      verdict = std::string("**At ") + std::to_string(pairs) + " pairs, the fewest measured, transfer " +
                (holds ? "beats" : "does not clearly beat") + " scratch**: tau " + fixed(md_.mean, 3) + " ± " + fixed(se, 3) +
                " (SE over " + std::to_string(md_.n) + " seeds; \"clearly\" = more than 2 SE).";
    }
  }
  md << "\n" << (verdict.empty() ? "Fewer than two seeds: no verdict." : verdict) << "\n\n![transfer vs scratch](report-transfer.svg)\n\n";
  chart.title = "Quantization-aware predictor: held-out Kendall tau vs training pairs";
  chart.x_label = "quantized training pairs";
  chart.y_label = "held-out Kendall tau";
  chart.series = {transfer_seeds, scratch_seeds, transfer, scratch};
  if (!transfer.x.empty())
    chart.series.push_back({"label ceiling", "#7f7f7f", {transfer.x.front(), transfer.x.back()},
                            {c.label_tau_ceiling, c.label_tau_ceiling}, false, true, true});
  return md.str();
}

// ---- methods at each budget ----

std::string methods_section(const std::vector<ReportRow>& all, Chart& chart) {
  std::map<std::string, std::vector<const ReportRow*>> by_scenario;
  for (const auto& r : all) by_scenario[r.scenario].push_back(&r);
  std::ostringstream md;
  md << "## Joint search vs the baselines, measured at each budget\n\n"
     << "Each scenario's networks fine-tuned with the same recipe and seeds and measured on the "
     << "validation split, which decides (the joint method's entry is the best on validation of its "
     << "top K); test is reported once. \"As labelled\": validation top-1 of the same network measured "
     << "as the predictor's labels are (their shorter fine-tune); \"forecast\": the prediction plus what finalize's "
     << "longer fine-tune added to labelled items measured before the finalists. SE: standard error of a difference of two accuracies "
     << "(binomial, conservative).\n\n";
  if (by_scenario.empty()) md << "No scenario has been finalized yet.\n\n";
  std::map<std::string, Series> points;  // per method: (latency, validation %)
  std::map<std::string, std::vector<double>> differences;  // baseline -> joint - baseline, points
  std::map<std::string, int> clear_wins, clear_losses;
  for (const auto& [scenario, rows] : by_scenario) {
    md << "### " << scenario << " (" << budget_text(*rows.front())
       << (rows.front()->search_mode == "pareto" ? "; joint answered from the run's Pareto front" : "; searched for this budget")
       << ")\n\n"
       << "| method | rank | predicted % (± spread) | as labelled % | forecast % (± expected error) | val top-1 % | test top-1 % | latency ms | energy mJ | BitOps |\n"
       << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n";
    for (const ReportRow* r : rows)
      md << "| " << r->method << " | " << r->rank << " | " << pct(r->predicted_accuracy) << " ± " << pct(r->predicted_stddev)
         << " | " << (std::isnan(r->label_recipe_val_accuracy) ? "n/a" : pct(r->label_recipe_val_accuracy))
         << " | "
         << (std::isnan(r->forecast_val_accuracy) ? "n/a" : pct(r->forecast_val_accuracy) + " ± " + pct(r->forecast_stddev))
         << " | " << pct(r->val_accuracy) << " | " << pct(r->test_accuracy) << " | " << short_number(r->latency_ms) << " | "
         << short_number(r->energy_mj) << " | " << short_number(r->bitops) << " |\n";
    const ReportRow* joint = chosen_joint(rows);
    md << "\n";
    for (const auto& [method, d, se] : joint_differences(rows)) {
      md << "- joint vs " << method << ": " << (d >= 0 ? "+" : "") << fixed(d, 2) << " ± " << fixed(se, 2)
         << " points on validation\n";
      differences[method].push_back(d);
      if (d > 2 * se) ++clear_wins[method];
      if (d < -2 * se) ++clear_losses[method];
    }
    md << "\n";
    for (const ReportRow* r : rows) {
      if (r->method == "joint" && r != joint) continue;
      Series& s = points[r->method];
      s.name = r->method;
      s.x.push_back(r->latency_ms);
      s.y.push_back(100 * r->val_accuracy);
    }
  }
  if (!differences.empty()) {
    md << "**Across " << by_scenario.size() << " scenario(s)**, joint minus each baseline on validation (mean over "
       << "scenarios; a clear win or loss is a difference beyond 2 SE):\n\n";
    for (const auto& [method, d] : differences)
      md << "- vs " << method << ": " << fixed(mean_spread(d).mean, 2) << " points; clear wins " << clear_wins[method]
         << ", clear losses " << clear_losses[method] << ", within noise " << d.size() - clear_wins[method] - clear_losses[method]
         << "\n";
    md << "\n";
  }
  md << "![measured accuracy against latency](report-methods.svg)\n\n";
  chart.title = "Measured validation top-1 against latency, every scenario";
  chart.x_label = "latency (ms)";
  chart.y_label = "validation top-1 (%)";
  int k = 0;
  for (auto& [method, s] : points) {
    s.color = kPalette[k++ % 7];
    chart.series.push_back(s);
  }
  return md.str();
}

// ---- predicted vs measured ----

// The predictor's error against the same networks measured as its labels are (their shorter
// fine-tune), what finalize's longer fine-tune adds, and how far finalize measured from each
// forecast; "" when no row has either.
std::string like_for_like(const std::vector<ReportRow>& rows) {
  std::vector<CheckedNetwork> networks;
  for (const auto& r : rows)
    networks.push_back(
        {r.predicted_accuracy, r.label_recipe_val_accuracy, r.val_accuracy, r.forecast_val_accuracy, r.forecast_stddev});
  const PredictionCheck c = prediction_check(networks);
  const auto signed_points = [](double x) { return (x >= 0 ? "+" : "") + fixed(x, 2); };
  std::ostringstream md;
  if (c.networks > 0)
    md << "Measured as the labels are (collect-quant's shorter fine-tune, which is what the predictor learned), "
       << c.networks << " of them lie " << signed_points(c.mean_error) << " points from their prediction on "
       << "average (RMSE " << fixed(c.rmse, 2) << ", at most " << fixed(c.worst, 2)
       << " off); finalize's longer fine-tune then adds " << signed_points(c.mean_gain)
       << " points on average (standard deviation " << fixed(c.gain_sd, 2) << ").\n\n";
  if (c.forecasts > 0)
    md << "Forecast (the prediction plus what finalize's recipe added to the best labelled items, measured before "
       << "any finalist): finalize measured the " << c.forecasts << " networks " << signed_points(c.forecast_mean_error)
       << " points from their forecast on average, at most " << fixed(c.forecast_worst, 2) << " off; " << c.within_one_sd
       << " within the forecast's expected error (the search predictor's held-out RMSE and the gain's spread, "
       << "combined) and " << c.within_two_sd << " within twice it.\n\n";
  return md.str();
}

std::string predicted_section(const std::vector<ReportRow>& rows, Chart& chart) {
  std::ostringstream md;
  md << "## Predicted vs measured\n\n";
  if (rows.empty()) return md.str() + "Nothing finalized yet.\n\n";
  std::vector<double> p, v;
  for (const auto& r : rows) p.push_back(r.predicted_accuracy), v.push_back(r.val_accuracy);
  const MeanSpread mp = mean_spread(p), mv = mean_spread(v);
  double cov = 0, sq = 0;
  for (std::size_t i = 0; i < p.size(); ++i) cov += (p[i] - mp.mean) * (v[i] - mv.mean), sq += (v[i] - p[i]) * (v[i] - p[i]);
  const double r = p.size() > 1 && mp.sd > 0 && mv.sd > 0 ? cov / (static_cast<double>(p.size() - 1) * mp.sd * mv.sd) : NAN;
  md << "Every finalized network of every scenario (" << rows.size() << "): validation minus predicted top-1 "
     << fixed(100 * (mv.mean - mp.mean), 2) << " points on average, RMSE " << fixed(100 * std::sqrt(sq / p.size()), 2)
     << " points, Pearson r " << fixed(r, 2) << ". The predictor's figures are worth as much as its labels' "
     << "reliability (above).\n\n" << like_for_like(rows) << "![predicted against measured](report-predicted.svg)\n";
  Series s{"finalized networks", kPalette[0], {}, {}};
  for (std::size_t i = 0; i < p.size(); ++i) s.x.push_back(100 * p[i]), s.y.push_back(100 * v[i]);
  const auto [lo, hi] = std::minmax_element(s.x.begin(), s.x.end());
  chart.title = "Predicted against measured validation top-1";
  chart.x_label = "predicted top-1 (%)";
  chart.y_label = "validation top-1 (%)";
  chart.same_scale = true;
  chart.series = {s, {"y = x", "#7f7f7f", {*lo - 5, *hi + 5}, {*lo - 5, *hi + 5}, false, true, true, false}};
  return md.str();
}

}  // namespace

std::string write_report_markdown(const std::string& run_dir, const ReportFile& report) {
  const std::filesystem::path dir(run_dir);
  Chart transfer, methods, predicted;
  std::ostringstream md;
  std::set<std::string> scenarios;
  for (const auto& r : report.rows) scenarios.insert(r.scenario);
  md << "# APQ run report: " << dir.filename().string() << "\n\n"
     << "Written by the report stage of apq-actors (`--stage report` alone rewrites it) from this run directory (numbers in report.h5): seed " << report.meta.seed
     << ", " << scenarios.size() << " finalized scenario(s). Space: `" << report.meta.space << "`.\n\n";
  md << transfer_section(report.curve, transfer) << methods_section(report.rows, methods) << predicted_section(report.rows, predicted);
  write_file(dir / "report-transfer.svg", render_svg(transfer));
  if (!methods.series.empty()) write_file(dir / "report-methods.svg", render_svg(methods));
  if (!predicted.series.empty()) write_file(dir / "report-predicted.svg", render_svg(predicted));
  const std::filesystem::path out = dir / "report.md";
  write_file(out, md.str());
  return out.string();
}

}  // namespace apq
