// Accuracy-vs-cost points of a run (from quant_dataset.h5, search.h5 or final.h5) and their
// Pareto front: the points no other point beats on both accuracy (higher) and cost (lower).
#pragma once
#include <string>
#include <vector>

#include "base/costs.hpp"

namespace apq::h5tool {

CostAxis parse_cost_axis(const std::string& text);  // "latency" | "energy" | "bitops"
std::string cost_column(CostAxis axis);              // "latency_ms", ...
std::string cost_label(CostAxis axis);               // "latency (ms)", ...

struct Point {
  std::string label;  // item id, "<method>#<rank>" or final rank
  double accuracy = 0.0;  // fraction
  double cost = 0.0;
  std::string arch, policy;
};

struct PointSet {
  std::string file;            // where they came from
  std::string accuracy_column;  // "accuracy", "predicted_accuracy", "test_accuracy"
  std::string label_column;     // "id", "result", "rank"
  std::vector<Point> points;    // with finite accuracy and cost
  int skipped = 0;              // points without a finite accuracy or cost
};

// source: "quant" | "search" | "final" | "" (the first present, in that order).
PointSet load_points(const std::string& path, const std::string& source, CostAxis axis);

// Indices of the non-dominated points, ordered by cost (then accuracy, descending). Points equal
// in both values are all kept.
std::vector<std::size_t> pareto_front(const std::vector<Point>& points);

}  // namespace apq::h5tool
