#include "analysis/prediction_check.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace apq {
namespace {

TEST(PredictionCheck, ErrorAsLabelledAndGainOfTheLongerFineTuneInPoints) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  // errors +0.2, -0.4 points; gains +1.0, +0.6; the third was not measured as labelled.
  const PredictionCheck c = prediction_check({{0.820, 0.822, 0.832}, {0.810, 0.806, 0.812}, {0.800, unknown, 0.900}});
  EXPECT_EQ(c.networks, 2);
  EXPECT_NEAR(c.mean_error, -0.1, 1e-9);
  EXPECT_NEAR(c.rmse, std::sqrt((0.04 + 0.16) / 2), 1e-9);
  EXPECT_NEAR(c.worst, 0.4, 1e-9);
  EXPECT_NEAR(c.mean_gain, 0.8, 1e-9);
  EXPECT_NEAR(c.gain_sd, std::sqrt(0.08), 1e-9);  // sample standard deviation of 1.0 and 0.6
  EXPECT_EQ(prediction_check({{0.8, unknown, 0.81}}).networks, 0);
  EXPECT_EQ(c.forecasts, 0);
}

TEST(PredictionCheck, ForecastErrorOverTheNetworksWithAForecast) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  // finalized minus forecast: +0.2 and -0.6 points, expected errors 0.4; the third has no forecast.
  const PredictionCheck c = prediction_check(
      {{0.82, 0.822, 0.832, 0.830, 0.004}, {0.81, unknown, 0.812, 0.818, 0.004}, {0.80, 0.80, 0.90, unknown, unknown}});
  EXPECT_EQ(c.forecasts, 2);
  EXPECT_NEAR(c.forecast_mean_error, -0.2, 1e-9);
  EXPECT_NEAR(c.forecast_worst, 0.6, 1e-9);
  EXPECT_EQ(c.within_one_sd, 1);
  EXPECT_EQ(c.within_two_sd, 2);
  EXPECT_EQ(c.networks, 2);  // as labelled: the first and the third
}

TEST(FinetuneGain, MeanSpreadAndStandardErrorOfTheGainInPoints) {
  const double unknown = std::numeric_limits<double>::quiet_NaN();
  // gains +1.0, +0.4, +0.7 points; the unmeasured pair is left out.
  const FinetuneGain g = finetune_gain({{0.80, 0.81}, {0.75, 0.754}, {0.70, 0.707}, {0.7, unknown}});
  EXPECT_EQ(g.items, 3);
  EXPECT_NEAR(g.mean, 0.7, 1e-9);
  EXPECT_NEAR(g.sd, 0.3, 1e-9);
  EXPECT_NEAR(g.se, 0.3 / std::sqrt(3.0), 1e-9);
  EXPECT_EQ(finetune_gain({}).items, 0);
}

}  // namespace
}  // namespace apq
