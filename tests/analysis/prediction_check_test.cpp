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
}

}  // namespace
}  // namespace apq
