// apq-h5 pareto and predictor: the accuracy-vs-cost front and the predictors' held-out quality.
#include <cmath>

#include "io/predictor_store.hpp"
#include "io/run_meta.hpp"
#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

void pareto(const std::string& path, const std::string& source, CostAxis axis, std::ostream& out) {
  const PointSet set = load_points(path, source, axis);
  const auto front = pareto_front(set.points);
  out << "Pareto front of " << base_name(set.file) << ": " << set.accuracy_column << " (higher is better) vs "
      << cost_column(axis) << " (lower is better), " << front.size() << " of " << set.points.size() << " points";
  if (set.skipped) out << " (" << set.skipped << " without a finite value skipped)";
  out << "\n";
  std::vector<std::vector<std::string>> rows = {{set.label_column, set.accuracy_column, cost_column(axis), "arch", "policy"}};
  for (auto i : front) {
    const Point& p = set.points[i];
    rows.push_back({p.label, fixed(p.accuracy, 4), short_number(p.cost), p.arch, p.policy});
  }
  out << text_table(rows);
}

void predictor_quality(const std::string& path, std::ostream& out) {
  const std::string file = find_run_file(path, run_kind::predictors);
  PredictorFile p;
  with_retries(file, [&] { p = read_predictors(file, false); });
  out << "Held-out quality of the predictors in " << base_name(file)
      << " (accuracy as a fraction), beside their labels' split-half reliability and tau ceiling\n";
  std::vector<std::vector<std::string>> rows = {{"predictor", "n_train", "n_heldout", "rmse", "pearson", "kendall_tau", "tau_se",
                                                 "mean_target", "rmse_from_pairs", "labels", "split_half_tau",
                                                 "reliability", "tau_ceiling", "cv_folds", "cv_tau", "cv_tau_se"}};
  const PredictorRecord* transfer = nullptr;
  const PredictorRecord* scratch = nullptr;
  for (const auto& [name, r] : p.predictors) {
    double sq = 0;
    for (std::size_t i = 0; i < r.heldout_target.size(); ++i)
      sq += (r.heldout_predicted[i] - r.heldout_target[i]) * (r.heldout_predicted[i] - r.heldout_target[i]);
    const double pair_rmse = r.heldout_target.empty() ? NAN : std::sqrt(sq / static_cast<double>(r.heldout_target.size()));
    rows.push_back({name, std::to_string(r.n_train), std::to_string(r.n_heldout), fixed(r.rmse, 4), fixed(r.pearson, 4),
                    fixed(r.kendall_tau, 4), fixed(r.kendall_tau_se, 4), fixed(r.mean_target, 4), fixed(pair_rmse, 4), r.label_target,
                    fixed(r.label_split_half_tau, 4), fixed(r.label_reliability, 4), fixed(r.label_tau_ceiling, 4),
                    std::to_string(r.cv_folds), fixed(r.cv_kendall_tau, 4), fixed(r.cv_kendall_tau_se, 4)});
    if (name == kQuantPredictor) transfer = &r;
    if (name == kQuantScratchPredictor) scratch = &r;
  }
  out << text_table(rows);
  if (transfer && scratch) {
    out << "transfer vs scratch: RMSE " << fixed(transfer->rmse, 4) << " vs " << fixed(scratch->rmse, 4);
    if (scratch->rmse > 0) out << " (" << fixed(transfer->rmse / scratch->rmse, 2) << "x)";
    out << ", Kendall tau " << fixed(transfer->kendall_tau, 4) << " vs " << fixed(scratch->kendall_tau, 4) << ", "
        << (transfer->rmse < scratch->rmse ? "transfer is better" : "transfer is not better") << "\n";
  }
}

}  // namespace apq::h5tool
