#include "tools/h5tool_points.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "base/pareto.hpp"
#include "io/dataset_store.hpp"
#include "io/final_store.hpp"
#include "io/run_meta.hpp"
#include "io/search_store.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

CostAxis parse_cost_axis(const std::string& text) {
  if (text == "latency") return CostAxis::latency;
  if (text == "energy") return CostAxis::energy;
  if (text == "bitops") return CostAxis::bitops;
  throw std::invalid_argument("--x must be latency, energy or bitops, not '" + text + "'");
}

std::string cost_column(CostAxis axis) {
  switch (axis) {
    case CostAxis::latency: return "latency_ms";
    case CostAxis::energy: return "energy_mj";
    case CostAxis::bitops: return "bitops";
  }
  return "";
}

std::string cost_label(CostAxis axis) {
  switch (axis) {
    case CostAxis::latency: return "latency (ms)";
    case CostAxis::energy: return "energy (mJ)";
    case CostAxis::bitops: return "BitOps";
  }
  return "";
}

namespace {

double pick(CostAxis axis, double latency, double energy, double bitops) {
  return axis == CostAxis::latency ? latency : axis == CostAxis::energy ? energy : bitops;
}

void add(PointSet& set, Point p) {
  if (std::isfinite(p.accuracy) && std::isfinite(p.cost)) set.points.push_back(std::move(p));
  else ++set.skipped;
}

}  // namespace

PointSet load_points(const std::string& path, const std::string& source, CostAxis axis) {
  static const std::vector<std::pair<std::string, std::string>> sources = {
      {"quant", run_kind::quant_dataset}, {"search", run_kind::search}, {"final", run_kind::final_models}};
  std::vector<std::string> kinds;
  for (const auto& [name, kind] : sources)
    if (source.empty() || source == name) kinds.push_back(kind);
  if (kinds.empty()) throw std::invalid_argument("--source must be quant, search or final, not '" + source + "'");
  std::string kind;
  PointSet set;
  set.file = find_run_file_of(path, kinds, &kind);
  if (kind == run_kind::quant_dataset) {
    QuantDataset d;
    with_retries(set.file, [&] { d = read_quant_dataset(set.file); });
    set.accuracy_column = "accuracy";
    set.label_column = "id";
    for (const auto& r : d.records)
      add(set, {std::to_string(r.id), r.score.top1, pick(axis, r.latency_ms, r.energy_mj, r.bitops), r.arch, r.policy});
  } else if (kind == run_kind::search) {
    SearchFile f;
    with_retries(set.file, [&] { f = read_search(set.file); });
    set.accuracy_column = "predicted_accuracy";
    set.label_column = "result";
    for (const auto& s : f.sets)
      for (const auto& r : s.results)
        add(set, {s.method + "#" + std::to_string(r.rank), r.predicted_accuracy,
                  pick(axis, r.latency_ms, r.energy_mj, r.bitops), r.arch, r.policy});
  } else {
    FinalFile f;
    with_retries(set.file, [&] { f = read_final(set.file, false); });
    set.accuracy_column = "test_accuracy";
    set.label_column = "rank";
    for (const auto& e : f.entries)
      add(set, {std::to_string(e.rank), e.test_accuracy, pick(axis, e.latency_ms, e.energy_mj, e.bitops), e.arch,
                e.policy});
  }
  return set;
}

std::vector<std::size_t> pareto_front(const std::vector<Point>& points) {
  std::vector<Objectives> objectives;
  objectives.reserve(points.size());
  for (const Point& p : points) objectives.push_back({p.accuracy, p.cost});
  return apq::pareto_front(objectives);
}

}  // namespace apq::h5tool
