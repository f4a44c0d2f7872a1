#include "analysis/prediction_check.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/method_comparison.hpp"

namespace apq {

PredictionCheck prediction_check(const std::vector<CheckedNetwork>& networks) {
  std::vector<double> error, gain;
  PredictionCheck c;
  double sq = 0.0;
  for (const CheckedNetwork& n : networks) {
    if (std::isnan(n.as_labelled)) continue;
    error.push_back(100 * (n.as_labelled - n.predicted));
    gain.push_back(100 * (n.finalized - n.as_labelled));
    c.worst = std::max(c.worst, std::abs(error.back()));
    sq += error.back() * error.back();
  }
  c.networks = static_cast<int>(error.size());
  if (error.empty()) return c;
  const MeanSpread g = mean_spread(gain);
  c.mean_error = mean_spread(error).mean;
  c.rmse = std::sqrt(sq / static_cast<double>(error.size()));
  c.mean_gain = g.mean;
  c.gain_sd = g.sd;
  return c;
}

}  // namespace apq
