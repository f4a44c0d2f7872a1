#include "analysis/prediction_check.hpp"

#include <algorithm>
#include <cmath>

#include "analysis/method_comparison.hpp"

namespace apq {

FinetuneGain finetune_gain(const std::vector<std::pair<double, double>>& label_then_finalized) {
  std::vector<double> gain;
  for (const auto& [label, finalized] : label_then_finalized)
    if (std::isfinite(label) && std::isfinite(finalized)) gain.push_back(100 * (finalized - label));
  FinetuneGain g;
  g.items = static_cast<int>(gain.size());
  if (gain.empty()) return g;
  const MeanSpread m = mean_spread(gain);
  g.mean = m.mean;
  g.sd = m.sd;
  g.se = m.sd / std::sqrt(static_cast<double>(gain.size()));
  return g;
}

PredictionCheck prediction_check(const std::vector<CheckedNetwork>& networks) {
  std::vector<double> error, gain, forecast_error;
  PredictionCheck c;
  double sq = 0.0;
  for (const CheckedNetwork& n : networks) {
    if (!std::isnan(n.forecast)) {
      const double off = std::abs(n.finalized - n.forecast);
      forecast_error.push_back(100 * (n.finalized - n.forecast));
      c.forecast_worst = std::max(c.forecast_worst, 100 * off);
      c.within_one_sd += off <= n.forecast_sd;
      c.within_two_sd += off <= 2 * n.forecast_sd;
    }
    if (std::isnan(n.as_labelled)) continue;
    error.push_back(100 * (n.as_labelled - n.predicted));
    gain.push_back(100 * (n.finalized - n.as_labelled));
    c.worst = std::max(c.worst, std::abs(error.back()));
    sq += error.back() * error.back();
  }
  c.forecasts = static_cast<int>(forecast_error.size());
  if (!forecast_error.empty()) c.forecast_mean_error = mean_spread(forecast_error).mean;
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
