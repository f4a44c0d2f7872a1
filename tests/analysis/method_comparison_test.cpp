#include "analysis/method_comparison.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>

namespace apq {
namespace {

ReportRow row(const std::string& scenario, const std::string& method, double val, double latency_budget = 0.09,
              const std::string& mode = "budget") {
  ReportRow r;
  r.scenario = scenario;
  r.search_mode = mode;
  r.budget_latency_ms = latency_budget;
  r.method = method;
  r.val_accuracy = val;
  r.val_images = 10000;
  return r;
}

ReportFile run(std::int64_t seed, std::vector<ReportRow> rows, std::vector<CurvePoint> curve = {}) {
  ReportFile f;
  f.meta.seed = seed;
  f.rows = std::move(rows);
  f.curve.points = std::move(curve);
  return f;
}

TEST(MethodComparison, ValidationPicksTheJointEntryAndEveryBaselineIsMeasuredAgainstIt) {
  const std::vector<ReportRow> rows = {row("s", "joint", 0.820), row("s", "joint", 0.830), row("s", "staged", 0.825),
                                       row("s", "uniform4", 0.810)};
  std::vector<const ReportRow*> ptrs;
  for (const auto& r : rows) ptrs.push_back(&r);
  EXPECT_EQ(chosen_joint(ptrs), &rows[1]);
  const auto d = joint_differences(ptrs);
  ASSERT_EQ(d.size(), 2u);
  EXPECT_EQ(d[0].method, "staged");
  EXPECT_NEAR(d[0].points, 0.5, 1e-9);
  EXPECT_NEAR(d[1].points, 2.0, 1e-9);
  // Binomial SE of the difference on 10,000 images each: about 0.54 points.
  EXPECT_NEAR(d[0].se, 100 * std::sqrt(0.83 * 0.17 / 1e4 + 0.825 * 0.175 / 1e4), 1e-9);
  EXPECT_TRUE(joint_differences({ptrs[2], ptrs[3]}).empty());
}

TEST(MethodComparison, SeedSpreadMatchesBudgetsAcrossRunsAndDropsThoseOfOneRun) {
  // Scenario folder names differ across seeds (their hash covers the seed); mode and budget match.
  const std::vector<ReportFile> runs = {
      run(1, {row("a1", "joint", 0.830), row("a1", "staged", 0.820), row("b1", "joint", 0.800, 0.07),
              row("b1", "staged", 0.790, 0.07)}),
      run(2, {row("a2", "joint", 0.840), row("a2", "staged", 0.838), row("c2", "joint", 0.81, 0.09, "pareto"),
              row("c2", "staged", 0.80, 0.09, "pareto")}),
      run(3, {row("a3", "joint", 0.826), row("a3", "staged", 0.830)})};
  const auto spread = seed_spread(runs);
  ASSERT_EQ(spread.size(), 2u);  // only "budget: latency ≤ 0.09 ms" is in two or more runs
  EXPECT_EQ(spread[0].scenario, "budget: latency ≤ 0.09 ms");
  EXPECT_EQ(spread[0].figure, "joint val %");
  EXPECT_FALSE(spread[0].difference);
  EXPECT_NEAR(spread[0].spread.mean, (83.0 + 84.0 + 82.6) / 3, 1e-9);
  EXPECT_EQ(spread[1].figure, "joint - staged");
  EXPECT_TRUE(spread[1].difference);
  ASSERT_EQ(spread[1].by_seed.size(), 3u);
  EXPECT_NEAR(spread[1].by_seed.at(1), 1.0, 1e-9);
  EXPECT_NEAR(spread[1].by_seed.at(2), 0.2, 1e-9);
  EXPECT_NEAR(spread[1].by_seed.at(3), -0.4, 1e-9);
  EXPECT_NEAR(spread[1].spread.mean, 0.8 / 3, 1e-9);
  EXPECT_NEAR(spread[1].spread.sd, std::sqrt(((1.0 - 0.8 / 3) * (1.0 - 0.8 / 3) + (0.2 - 0.8 / 3) * (0.2 - 0.8 / 3) +
                                              (-0.4 - 0.8 / 3) * (-0.4 - 0.8 / 3)) /
                                             2),
              1e-9);
  EXPECT_NEAR(spread[1].spread.min, -0.4, 1e-9);
  EXPECT_NEAR(spread[1].spread.max, 1.0, 1e-9);
}

TEST(MethodComparison, SeedSpreadOfTheTransferCurveAveragesEachRunsCurveSeeds) {
  auto curve = [](double transfer_a, double transfer_b, double scratch) {
    return std::vector<CurvePoint>{{"transfer", 25, 0, transfer_a, 0, 0}, {"transfer", 25, 1, transfer_b, 0, 0},
                                   {"scratch", 25, 0, scratch, 0, 0}, {"scratch", 25, 1, scratch, 0, 0},
                                   {"transfer", 50, 0, 0.5, 0, 0}};  // no scratch at 50: no figure
  };
  const auto spread = seed_spread({run(1, {}, curve(0.3, 0.5, 0.1)), run(2, {}, curve(0.2, 0.2, 0.1))});
  ASSERT_EQ(spread.size(), 1u);
  EXPECT_EQ(spread[0].scenario, "transfer curve: 25 pairs");
  EXPECT_EQ(spread[0].figure, "transfer - scratch tau");
  EXPECT_NEAR(spread[0].by_seed.at(1), 0.3, 1e-12);
  EXPECT_NEAR(spread[0].by_seed.at(2), 0.1, 1e-12);
  EXPECT_NEAR(spread[0].spread.mean, 0.2, 1e-12);
}

TEST(MethodComparison, RunsOfTheSameSeedAreRefused) {
  EXPECT_THROW(seed_spread({run(4, {}), run(4, {})}), std::invalid_argument);
}

}  // namespace
}  // namespace apq
