#include "kernels/predictor_metrics.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <stdexcept>
#include <string>

namespace apq {
namespace {

void require_pairs(const std::vector<float>& a, const std::vector<float>& b, const char* what) {
  if (a.size() != b.size())
    throw std::invalid_argument(std::string(what) + ": " + std::to_string(a.size()) + " predictions for " +
                                std::to_string(b.size()) + " targets");
  if (a.size() < 2) throw std::invalid_argument(std::string(what) + ": needs at least 2 pairs");
}

// Number of pairs among n items that share a value, summed over runs of equal values in sorted order.
template <class Equal>
std::int64_t tied_pairs(const std::vector<int>& order, Equal equal) {
  std::int64_t ties = 0, run = 1;
  for (std::size_t i = 1; i <= order.size(); ++i) {
    if (i < order.size() && equal(order[i - 1], order[i])) {
      ++run;
    } else {
      ties += run * (run - 1) / 2;
      run = 1;
    }
  }
  return ties;
}

// Sorts order[lo, hi) by y with a merge sort and returns the number of inversions (swaps).
std::int64_t merge_count(std::vector<int>& order, std::vector<int>& buffer, const std::vector<float>& y, std::size_t lo,
                         std::size_t hi) {
  if (hi - lo < 2) return 0;
  const std::size_t mid = lo + (hi - lo) / 2;
  std::int64_t swaps = merge_count(order, buffer, y, lo, mid) + merge_count(order, buffer, y, mid, hi);
  std::size_t i = lo, j = mid, k = lo;
  while (i < mid && j < hi) {
    if (y[order[j]] < y[order[i]]) {
      swaps += static_cast<std::int64_t>(mid - i);
      buffer[k++] = order[j++];
    } else {
      buffer[k++] = order[i++];
    }
  }
  while (i < mid) buffer[k++] = order[i++];
  while (j < hi) buffer[k++] = order[j++];
  std::copy(buffer.begin() + static_cast<std::ptrdiff_t>(lo), buffer.begin() + static_cast<std::ptrdiff_t>(hi),
            order.begin() + static_cast<std::ptrdiff_t>(lo));
  return swaps;
}

}  // namespace

double rmse(const std::vector<float>& predicted, const std::vector<float>& truth) {
  require_pairs(predicted, truth, "rmse");
  double sum = 0.0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double d = static_cast<double>(predicted[i]) - truth[i];
    sum += d * d;
  }
  return std::sqrt(sum / static_cast<double>(truth.size()));
}

double pearson(const std::vector<float>& predicted, const std::vector<float>& truth) {
  require_pairs(predicted, truth, "pearson");
  const double n = static_cast<double>(truth.size());
  double mx = 0, my = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    mx += predicted[i];
    my += truth[i];
  }
  mx /= n;
  my /= n;
  double sxy = 0, sxx = 0, syy = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    const double dx = predicted[i] - mx, dy = truth[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  if (sxx <= 0 || syy <= 0) return 0.0;
  return sxy / std::sqrt(sxx * syy);
}

// Knight (1966): sort by (x, y), count ties in x and joint ties, then count the swaps a merge sort
// by y needs (discordant pairs) and the ties in y.
double kendall_tau(const std::vector<float>& predicted, const std::vector<float>& truth) {
  require_pairs(predicted, truth, "kendall_tau");
  const std::vector<float>& x = predicted;
  const std::vector<float>& y = truth;
  const std::int64_t n = static_cast<std::int64_t>(x.size());
  std::vector<int> order(x.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](int a, int b) { return x[a] < x[b] || (x[a] == x[b] && y[a] < y[b]); });
  const std::int64_t ties_x = tied_pairs(order, [&](int a, int b) { return x[a] == x[b]; });
  const std::int64_t ties_xy = tied_pairs(order, [&](int a, int b) { return x[a] == x[b] && y[a] == y[b]; });
  std::vector<int> buffer(order.size());
  const std::int64_t swaps = merge_count(order, buffer, y, 0, order.size());
  const std::int64_t ties_y = tied_pairs(order, [&](int a, int b) { return y[a] == y[b]; });
  const std::int64_t total = n * (n - 1) / 2;
  // concordant - discordant = total - ties_x - ties_y + ties_xy - 2 * swaps
  const double numerator = static_cast<double>(total - ties_x - ties_y + ties_xy - 2 * swaps);
  const double denominator = std::sqrt(static_cast<double>(total - ties_x) * static_cast<double>(total - ties_y));
  return denominator > 0 ? numerator / denominator : 0.0;
}

double kendall_tau_quadratic(const std::vector<float>& predicted, const std::vector<float>& truth) {
  require_pairs(predicted, truth, "kendall_tau");
  std::int64_t concordant_minus_discordant = 0, untied_x = 0, untied_y = 0;
  for (std::size_t i = 0; i < truth.size(); ++i)
    for (std::size_t j = i + 1; j < truth.size(); ++j) {
      const int sx = (predicted[i] < predicted[j]) - (predicted[j] < predicted[i]);
      const int sy = (truth[i] < truth[j]) - (truth[j] < truth[i]);
      concordant_minus_discordant += sx * sy;
      untied_x += sx != 0;
      untied_y += sy != 0;
    }
  const double denominator = std::sqrt(static_cast<double>(untied_x) * static_cast<double>(untied_y));
  return denominator > 0 ? static_cast<double>(concordant_minus_discordant) / denominator : 0.0;
}

double kendall_tau_standard_error(const std::vector<float>& predicted, const std::vector<float>& truth) {
  require_pairs(predicted, truth, "kendall_tau_standard_error");
  const std::size_t n = truth.size();
  if (n < 4) throw std::invalid_argument("kendall_tau_standard_error: needs at least 4 pairs");
  const std::size_t groups = std::min<std::size_t>(n, 50);
  std::vector<double> without(groups);  // tau with one group left out
  std::vector<float> p, t;
  for (std::size_t g = 0; g < groups; ++g) {
    p.clear();
    t.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (i % groups != g) {
        p.push_back(predicted[i]);
        t.push_back(truth[i]);
      }
    without[g] = kendall_tau(p, t);
  }
  const double mean = std::accumulate(without.begin(), without.end(), 0.0) / static_cast<double>(groups);
  double sum_sq = 0.0;
  for (double w : without) sum_sq += (w - mean) * (w - mean);
  return std::sqrt(static_cast<double>(groups - 1) / static_cast<double>(groups) * sum_sq);
}

PredictorMetrics evaluate_predictions(const std::vector<float>& predicted, const std::vector<float>& truth) {
  PredictorMetrics m;
  m.count = static_cast<int>(truth.size());
  m.rmse = rmse(predicted, truth);
  m.pearson = pearson(predicted, truth);
  m.kendall_tau = kendall_tau(predicted, truth);
  if (truth.size() >= 4) m.kendall_tau_se = kendall_tau_standard_error(predicted, truth);
  return m;
}

}  // namespace apq
