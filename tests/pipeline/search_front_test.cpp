// The Pareto mode's answer to a budget (pipeline/search_front.hpp): which front points, in which
// order, and the front file's name, which follows what the front depends on and nothing else.
#include "pipeline/search_front.hpp"

#include <gtest/gtest.h>

namespace apq {
namespace {

SearchResult point(const char* arch, double accuracy, double stddev, double latency) {
  SearchResult r;
  r.arch = arch;
  r.predicted_accuracy = accuracy;
  r.predicted_stddev = stddev;
  r.latency_ms = latency;
  r.energy_mj = latency / 2;
  r.bitops = latency * 1e9;
  return r;
}

std::vector<std::string> archs(const std::vector<SearchResult>& results) {
  std::vector<std::string> out;
  for (const auto& r : results) out.push_back(r.arch);
  return out;
}

TEST(SearchFront, AnswersABudgetWithItsBestPointsByTheSearchFitness) {
  // Cheapest first, as stored; c has the highest mean but a wide spread.
  const std::vector<SearchResult> front = {point("a", 0.80, 0.00, 0.05), point("b", 0.82, 0.00, 0.07),
                                           point("c", 0.85, 0.04, 0.09), point("d", 0.84, 0.00, 0.11)};
  Budget budget;
  budget.latency_ms = 0.1;
  EXPECT_EQ(archs(answer_budget(front, budget, 0.0, 10)), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(archs(answer_budget(front, budget, 1.0, 10)), (std::vector<std::string>{"b", "c", "a"}));  // 0.81 < 0.82
  const auto two = answer_budget(front, budget, 1.0, 2);
  ASSERT_EQ(two.size(), 2u);
  EXPECT_EQ(two[0].rank, 0);
  EXPECT_EQ(two[1].rank, 1);
  EXPECT_EQ(archs(answer_budget(front, Budget{}, 0.0, 1)), (std::vector<std::string>{"c"}));  // no budget: the best
  Budget energy;
  energy.energy_mj = 0.03;  // any axis of the budget applies
  EXPECT_EQ(archs(answer_budget(front, energy, 0.0, 10)), (std::vector<std::string>{"a"}));
  Budget tight;
  tight.latency_ms = 0.01;
  EXPECT_TRUE(answer_budget(front, tight, 0.0, 10).empty());
}

TEST(SearchFront, FileNameFollowsTheFrontsInputsNotTheBudget) {
  const std::string config = "seed = 1\n\n[predictor]\nmembers = 5\n\n[search]\nlatency-ms = 0.11\nmode = pareto\nresults = 10\n";
  const std::string name = front_file(config, CostAxis::latency);
  EXPECT_EQ(name.rfind("fronts/latency-", 0), 0u) << name;
  auto with = [&](const std::string& from, const std::string& to) {
    std::string c = config;
    c.replace(c.find(from), from.size(), to);
    return c;
  };
  EXPECT_EQ(front_file(with("latency-ms = 0.11", "latency-ms = 0.09"), CostAxis::latency), name);
  EXPECT_EQ(front_file(with("results = 10", "results = 3"), CostAxis::latency), name);
  EXPECT_NE(front_file(with("members = 5", "members = 3"), CostAxis::latency), name);
  EXPECT_NE(front_file(with("seed = 1", "seed = 2"), CostAxis::latency), name);
  EXPECT_EQ(front_file(config, CostAxis::bitops).rfind("fronts/bitops-", 0), 0u);
}

}  // namespace
}  // namespace apq
