#include "kernels/kl_calibration.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <string>

namespace apq {

namespace {
constexpr double kKlTinyQ = 1e-12;  // stands in for Q where Q has no mass but P has
}  // namespace

double kl_divergence(const std::vector<double>& p, const std::vector<double>& q) {
  if (p.size() != q.size()) throw std::invalid_argument("kl divergence: histograms of different sizes");
  const double sp = std::accumulate(p.begin(), p.end(), 0.0);
  const double sq = std::accumulate(q.begin(), q.end(), 0.0);
  if (sp <= 0 || sq <= 0) throw std::invalid_argument("kl divergence: empty histogram");
  double kl = 0.0;
  for (std::size_t i = 0; i < p.size(); ++i) {
    if (p[i] <= 0) continue;
    const double pi = p[i] / sp;
    const double qi = std::max(q[i] / sq, kKlTinyQ);
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
  // Finite first: a NaN count would otherwise be reported as an empty histogram.
  if (!std::isfinite(total)) throw std::invalid_argument("kl calibration: histogram counts are not finite");
  if (!(total > 0)) throw std::invalid_argument("kl calibration: histogram holds no values");

  // For each candidate of i bins, P is the first i bins with everything beyond folded into the
  // last kept bin (clipping), and Q the first i bins (without the outliers) merged into `levels`
  // groups, each group's mass spread evenly over the bins where P is non-zero. KL(P || Q) is
  // then a sum over groups of prefix-sum differences: O(levels) per candidate instead of
  // O(bins), which made the search cost tens of milliseconds per 4-bit quantizer.
  const auto plogp = [](double v) { return v > 0 ? v * std::log(v) : 0.0; };
  std::vector<double> mass(n + 1, 0.0), mass_log_mass(n + 1, 0.0), tail(n + 1, 0.0);
  std::vector<int> nonzero(n + 1, 0);
  for (int j = 0; j < n; ++j) {
    mass[j + 1] = mass[j] + histogram[j];
    mass_log_mass[j + 1] = mass_log_mass[j] + plogp(histogram[j]);
    nonzero[j + 1] = nonzero[j] + (histogram[j] > 0 ? 1 : 0);
  }
  // Summed from the back rather than as total - mass[i], which loses a tail below one ulp of it.
  for (int j = n - 1; j >= 0; --j) tail[j] = tail[j + 1] + histogram[j];
  const double bin_width = max_value / n;
  KlResult best;
  for (int i = levels; i <= n; ++i) {
    const double kept = mass[i];  // Q's total: a group with mass has P > 0 somewhere in it
    if (!(kept > 0)) continue;    // all mass was outliers
    const double outliers = tail[i];
    const double last = histogram[i - 1], p_last = last + outliers;
    const int per_group = i / levels;
    double p_log_p = 0.0, p_log_q = 0.0;  // sums over bins with P > 0 of P log P and P log (Q / kept)
    for (int g = 0; g < levels; ++g) {
      const int begin = g * per_group;
      const int end = g == levels - 1 ? i : begin + per_group;
      const double group_mass = mass[end] - mass[begin];
      double group_p = group_mass, group_p_log_p = mass_log_mass[end] - mass_log_mass[begin];
      int group_nonzero = nonzero[end] - nonzero[begin];
      if (end == i) {  // the last kept bin holds the outliers too
        group_p += outliers;
        group_p_log_p += plogp(p_last) - plogp(last);
        if (!(last > 0) && p_last > 0) ++group_nonzero;
      }
      if (group_nonzero == 0) continue;
      p_log_p += group_p_log_p;
      p_log_q += group_p * std::log(std::max(group_mass / group_nonzero / kept, kKlTinyQ));
    }
    // KL = sum p/total * log((p/total) / q'), with sum p = total and q' = Q / kept.
    const double kl = (p_log_p - p_log_q) / total - std::log(total);
    if (!std::isfinite(kl)) continue;
    // Candidates equal up to rounding keep the smaller threshold (the first found). The
    // tolerance is absolute near 0: a perfect fit's KL is 0 only up to the sums' rounding.
    if (best.bins == 0 || kl < best.divergence - 1e-12 * std::max(1.0, std::abs(best.divergence))) {
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
