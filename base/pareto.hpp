// Two-objective Pareto order: accuracy (higher is better) against one cost (lower is better).
// Used by the multi-objective search (NSGA-II survival, kernels/evolution.hpp), by the search
// stage that merges the islands' fronts and answers a budget from them, and by `apq-h5 pareto`.
// Header-only in base/ because apq-h5 links io only, not kernels.
//
// A point dominates another when it is at least as good on both and better on one; points equal
// on both do not dominate each other (both stay on the front). A point with a NaN value is
// dominated by every finite one and sorts after them.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <numeric>
#include <vector>

namespace apq {

struct Objectives {
  double accuracy = 0.0;  // higher is better
  double cost = 0.0;      // lower is better
  bool finite() const { return std::isfinite(accuracy) && std::isfinite(cost); }
};

inline bool dominates(const Objectives& a, const Objectives& b) {
  if (!a.finite()) return false;
  if (!b.finite()) return true;
  return a.accuracy >= b.accuracy && a.cost <= b.cost && (a.accuracy > b.accuracy || a.cost < b.cost);
}

// Front index of every point (0: non-dominated; k: dominated only by points of fronts < k).
// Deb's fast non-dominated sort, O(n^2): meant for populations, not for whole datasets.
inline std::vector<int> pareto_ranks(const std::vector<Objectives>& points) {
  const std::size_t n = points.size();
  std::vector<std::vector<std::size_t>> dominated(n);
  std::vector<int> dominators(n, 0), rank(n, 0);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = i + 1; j < n; ++j) {
      if (dominates(points[i], points[j])) dominated[i].push_back(j), ++dominators[j];
      else if (dominates(points[j], points[i])) dominated[j].push_back(i), ++dominators[i];
    }
  std::vector<std::size_t> current;
  for (std::size_t i = 0; i < n; ++i)
    if (dominators[i] == 0) current.push_back(i);
  for (int front = 0; !current.empty(); ++front) {
    std::vector<std::size_t> next;
    for (std::size_t i : current) {
      rank[i] = front;
      for (std::size_t j : dominated[i])
        if (--dominators[j] == 0) next.push_back(j);
    }
    current = std::move(next);
  }
  return rank;
}

// NSGA-II crowding distance of every point within its front: the two ends of a front (on cost)
// get infinity, the others the sum over both objectives of the gap between their neighbours,
// each normalised by the front's range.
inline std::vector<double> crowding_distances(const std::vector<Objectives>& points, const std::vector<int>& ranks) {
  const std::size_t n = points.size();
  std::vector<double> distance(n, 0.0);
  const int fronts = n ? *std::max_element(ranks.begin(), ranks.end()) + 1 : 0;
  std::vector<std::vector<std::size_t>> members(static_cast<std::size_t>(fronts));
  for (std::size_t i = 0; i < n; ++i) members[static_cast<std::size_t>(ranks[i])].push_back(i);
  constexpr double inf = std::numeric_limits<double>::infinity();
  for (auto& m : members) {
    auto add = [&](auto value) {
      std::stable_sort(m.begin(), m.end(), [&](std::size_t a, std::size_t b) { return value(a) < value(b); });
      const double range = value(m.back()) - value(m.front());
      distance[m.front()] = distance[m.back()] = inf;
      if (!(range > 0) || !std::isfinite(range)) return;
      for (std::size_t k = 1; k + 1 < m.size(); ++k) distance[m[k]] += (value(m[k + 1]) - value(m[k - 1])) / range;
    };
    if (m.empty()) continue;
    add([&](std::size_t i) { return points[i].cost; });
    add([&](std::size_t i) { return -points[i].accuracy; });
  }
  return distance;
}

// NSGA-II survival order: by front, then by crowding distance (largest first), then by index.
inline std::vector<std::size_t> nsga2_order(const std::vector<Objectives>& points) {
  const std::vector<int> ranks = pareto_ranks(points);
  const std::vector<double> crowding = crowding_distances(points, ranks);
  std::vector<std::size_t> order(points.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (ranks[a] != ranks[b]) return ranks[a] < ranks[b];
    return crowding[a] > crowding[b];
  });
  return order;
}

// Indices of the non-dominated finite points ordered by cost (then accuracy, descending), by one
// sweep over the points sorted by cost: O(n log n), for whole datasets too.
inline std::vector<std::size_t> pareto_front(const std::vector<Objectives>& points) {
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < points.size(); ++i)
    if (points[i].finite()) order.push_back(i);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (points[a].cost != points[b].cost) return points[a].cost < points[b].cost;
    return points[a].accuracy > points[b].accuracy;
  });
  // A point survives if it beats every cheaper point and is the best of its cost.
  std::vector<std::size_t> front;
  double best_cheaper = -std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < order.size();) {
    const double cost = points[order[i]].cost;
    const double best_here = points[order[i]].accuracy;
    std::size_t j = i;
    for (; j < order.size() && points[order[j]].cost == cost; ++j)
      if (points[order[j]].accuracy == best_here && best_here > best_cheaper) front.push_back(order[j]);
    best_cheaper = std::max(best_cheaper, best_here);
    i = j;
  }
  return front;
}

}  // namespace apq
