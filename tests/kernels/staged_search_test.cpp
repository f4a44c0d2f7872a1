#include "kernels/staged_search.hpp"

#include <gtest/gtest.h>

#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/search_test_costs.hpp"

namespace apq {
namespace {

class StagedSearchTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};
  SyntheticAccuracy truth{space, 4};  // SYNTHETIC ground truth
  FitnessFn arch_fitness = [this](const std::vector<Individual>& pop) {
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.full_precision(ind.arch)));
    return out;
  };
  FitnessFn joint_fitness = [this](const std::vector<Individual>& pop) {
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.quantized(ind.arch, ind.policy)));
    return out;
  };
  CostFn cost = [this](const Arch& a, const Policy& p) { return stand_in_costs(space, a, p); };

  StagedConfig config(double bitops) const {
    StagedConfig c;
    c.evolution.budget.bitops = bitops;
    c.evolution.seed = 21;
    c.arch_generations = 15;
    c.policy_generations = 15;
    return c;
  }
  double largest_8bit() const {
    const Arch a = space.largest();
    return stand_in_costs(space, a, space.uniform_policy(a, 8)).bitops;
  }
};

TEST_F(StagedSearchTest, ArchitectureFirstThenPolicyWithinBudget) {
  const StagedConfig c = config(0.3 * largest_8bit());
  const StagedResult r = staged_search(space, c, arch_fitness, joint_fitness, cost);
  // Stage 1 is costed at the uniform 8-bit policy and within the budget.
  EXPECT_EQ(r.architecture.policy, space.uniform_policy(r.architecture.arch, 8));
  EXPECT_LE(r.architecture.costs.bitops, c.evolution.budget.bitops);
  EXPECT_FLOAT_EQ(r.architecture.fitness, static_cast<float>(truth.full_precision(r.architecture.arch)));
  // Stage 2 keeps that architecture and searches its policy.
  EXPECT_EQ(r.final.arch, r.architecture.arch);
  EXPECT_NO_THROW(space.check(r.final.arch, r.final.policy));
  EXPECT_LE(r.final.costs.bitops, c.evolution.budget.bitops);
  EXPECT_FLOAT_EQ(r.final.fitness, static_cast<float>(truth.quantized(r.final.arch, r.final.policy)));
  EXPECT_EQ(r.evaluated, 2 * (100 + 15 * 100));

  const StagedResult again = staged_search(space, c, arch_fitness, joint_fitness, cost);
  EXPECT_EQ(again.final.policy, r.final.policy);
  EXPECT_EQ(again.final.fitness, r.final.fitness);
}

TEST_F(StagedSearchTest, BudgetBelowEveryEightBitNetFailsClearly) {
  const Arch small = space.smallest();
  const double below = 0.5 * stand_in_costs(space, small, space.uniform_policy(small, 8)).bitops;
  try {
    staged_search(space, config(below), arch_fitness, joint_fitness, cost);
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("at 8 bits costs"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace apq
