#include "kernels/kl_calibration.hpp"

#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

namespace apq {

double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("kl divergence: histograms of different sizes");
  const double sp = std::accumulate(p.begin(), p.end(), 0.0);
  const double sq = std::accumulate(q.begin(), q.end(), 0.0);
  if (sp <= 0 || sq <= 0) throw std::invalid_argument("kl divergence: empty histogram");
  constexpr double kTiny = 1e-12;  // stands in for Q where Q has no mass but P has
  double kl = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    const double pi = p[i] / sp;
    const double qi = std::max(q[i] / sq, kTiny);
    kl += pi * std::log(pi / qi);
  }
  return kl;
}

KlResult kl_threshold(const std::vector<double>& histogram, double max_value, int levels) {
  const int n = static_cast<int>(histogram.size());
  if (n == 0) throw std::invalid_argument("kl calibration: empty histogram");
  if (!(max_value > 0)) throw std::invalid_argument("kl calibration: max value must be positive");
  if (levels < 2) throw std::invalid_argument("kl calibration: at least 2 quantization levels needed");
  if (n < levels)
    throw std::invalid_argument("kl calibration: " + std::to_string(n) + " bins are fewer than the " + std::to_string(levels) + " levels");
  const double total = std::accumulate(histogram.begin(), histogram.end(), 0.0);
  if (!(total > 0)) throw std::invalid_argument("kl calibration: histogram holds no values");

  const double bin_width = max_value / n;
  KlResult best;
  best.divergence = std::numeric_limits<double>::infinity();
  std::vector<double> p, q;
  for (int i = levels; i <= n; ++i) {
    // P: the first i bins, with everything beyond folded into the last kept bin (clipping).
    p.assign(histogram.begin(), histogram.begin() + i);
    double outliers = 0.0;
    for (int j = i; j < n; ++j) outliers += histogram[j];
    p[i - 1] += outliers;
    // Q: the first i bins (without the outliers) merged into `levels` groups, each group's mass
    // spread evenly over the bins where P is non-zero.
    q.assign(i, 0.0);
    const int per_group = i / levels;
    for (int g = 0; g < levels; ++g) {
      const int begin = g * per_group;
      const int end = g == levels - 1 ? i : begin + per_group;
      double mass = 0.0;
      int nonzero = 0;
      for (int j = begin; j < end; ++j) {
        mass += histogram[j];
        if (p[j] > 0) ++nonzero;
      }
      if (nonzero == 0) continue;
      for (int j = begin; j < end; ++j)
        if (p[j] > 0) q[j] = mass / nonzero;
    }
    if (std::accumulate(q.begin(), q.end(), 0.0) <= 0) continue;  // all mass was outliers
    const double kl = kl_divergence(p, q);
    if (kl < best.divergence) {
      best.divergence = kl;
      best.bins = i;
      best.threshold = i * bin_width;
    }
  }
  if (best.bins == 0) {  // every candidate had its mass beyond the threshold: keep the full range
    best.bins = n;
    best.threshold = max_value;
    best.divergence = 0.0;
  }
  return best;
}

}  // namespace apq
