#include "analysis/method_comparison.hpp"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

#include "analysis/accuracy_stats.hpp"
#include "analysis/number_text.hpp"

namespace apq {

MeanSpread mean_spread(const std::vector<double>& values) {
  MeanSpread m;
  m.n = static_cast<int>(values.size());
  if (values.empty()) return m;
  m.min = *std::min_element(values.begin(), values.end());
  m.max = *std::max_element(values.begin(), values.end());
  for (double x : values) m.mean += x;
  m.mean /= m.n;
  if (m.n > 1) {
    for (double x : values) m.sd += (x - m.mean) * (x - m.mean);
    m.sd = std::sqrt(m.sd / (m.n - 1));
  }
  return m;
}

std::string budget_text(const ReportRow& r) {
  std::string out;
  auto add = [&](double v, const char* what, const char* unit) {
    if (v <= 0) return;
    out += (out.empty() ? "" : ", ") + std::string(what) + " ≤ " + short_number(v) + unit;
  };
  add(r.budget_latency_ms, "latency", " ms");
  add(r.budget_energy_mj, "energy", " mJ");
  add(r.budget_bitops, "BitOps", "");
  return out.empty() ? "no budget" : out;
}

const ReportRow* chosen_joint(const std::vector<const ReportRow*>& rows) {
  const ReportRow* best = nullptr;
  for (const ReportRow* r : rows)
    if (r->method == "joint" && (best == nullptr || r->val_accuracy > best->val_accuracy)) best = r;
  return best;
}

std::vector<JointDifference> joint_differences(const std::vector<const ReportRow*>& rows) {
  std::vector<JointDifference> out;
  const ReportRow* joint = chosen_joint(rows);
  if (joint == nullptr) return out;
  for (const ReportRow* r : rows) {
    if (r->method == "joint") continue;
    out.push_back({r->method, 100 * (joint->val_accuracy - r->val_accuracy),
                   100 * difference_se(joint->val_accuracy, joint->val_images, r->val_accuracy, r->val_images)});
  }
  return out;
}

std::vector<SeedSpreadRow> seed_spread(const std::vector<ReportFile>& runs) {
  std::set<std::int64_t> seeds;
  for (const auto& run : runs)
    if (!seeds.insert(run.meta.seed).second)
      throw std::invalid_argument("two runs have seed " + std::to_string(run.meta.seed) + ": a seed spread needs runs of different seeds");
  // scenario key -> figure -> seed -> value; keys and figures in first-seen order.
  std::vector<std::string> order;
  std::map<std::string, std::map<std::string, std::map<std::int64_t, double>>> values;
  std::map<std::string, std::vector<std::string>> figures;
  auto put = [&](const std::string& key, const std::string& figure, std::int64_t seed, double v) {
    if (values.find(key) == values.end()) order.push_back(key);
    auto& f = figures[key];
    if (std::find(f.begin(), f.end(), figure) == f.end()) f.push_back(figure);
    values[key][figure][seed] = v;
  };
  for (const auto& run : runs) {
    std::map<std::string, std::vector<const ReportRow*>> by_scenario;
    for (const auto& r : run.rows) by_scenario[r.scenario].push_back(&r);
    std::set<std::string> keys_of_run;
    for (const auto& [name, rows] : by_scenario) {
      const ReportRow* joint = chosen_joint(rows);
      if (joint == nullptr) continue;
      std::string key = rows.front()->search_mode + ": " + budget_text(*rows.front());
      // Two scenarios of one run at the same budget differ in other search settings: each keeps its
      // own name, and so is compared with no other run.
      if (!keys_of_run.insert(key).second) key += " [" + name + "]";
      put(key, "joint val %", run.meta.seed, 100 * joint->val_accuracy);
      for (const auto& d : joint_differences(rows)) put(key, "joint - " + d.method, run.meta.seed, d.points);
    }
    std::map<std::int64_t, std::map<std::string, std::vector<double>>> taus;  // pairs -> method -> over curve seeds
    for (const auto& p : run.curve.points) taus[p.pairs][p.method].push_back(p.kendall_tau);
    for (const auto& [pairs, by_method] : taus) {
      const auto t = by_method.find("transfer"), s = by_method.find("scratch");
      if (t == by_method.end() || s == by_method.end()) continue;
      put("transfer curve: " + std::to_string(pairs) + " pairs", "transfer - scratch tau", run.meta.seed,
          mean_spread(t->second).mean - mean_spread(s->second).mean);
    }
  }
  std::vector<SeedSpreadRow> out;
  for (const auto& key : order)
    for (const auto& figure : figures[key]) {
      SeedSpreadRow row{key, figure, figure != "joint val %", values[key][figure], {}};
      if (row.by_seed.size() < 2) continue;
      std::vector<double> v;
      for (const auto& [seed, x] : row.by_seed) v.push_back(x);
      row.spread = mean_spread(v);
      out.push_back(std::move(row));
    }
  return out;
}

}  // namespace apq
