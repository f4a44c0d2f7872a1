#include "kernels/baseline_search.hpp"

#include <gtest/gtest.h>

#include "kernels/staged_search.hpp"
#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/search_test_costs.hpp"

namespace apq {
namespace {

class BaselineSearchTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};
  SyntheticAccuracy truth{space, 4};  // SYNTHETIC ground truth
  int calls_seen = 0;
  FitnessFn arch_fitness = [this](const std::vector<Individual>& pop) {
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.full_precision(ind.arch)));
    return out;
  };
  FitnessFn joint_fitness = [this](const std::vector<Individual>& pop) {
    calls_seen += static_cast<int>(pop.size());
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.quantized(ind.arch, ind.policy)));
    return out;
  };
  CostFn cost = [this](const Arch& a, const Policy& p) { return stand_in_costs(space, a, p); };

  EvolutionConfig config(double bitops) const {
    EvolutionConfig c;
    c.budget.bitops = bitops;
    c.seed = 21;
    return c;
  }
  double bitops_at(const Arch& a, int bits) const { return stand_in_costs(space, a, space.uniform_policy(a, bits)).bitops; }
};

TEST_F(BaselineSearchTest, RandomSearchIsTheBestOfItsCallsWithinTheBudget) {
  const EvolutionConfig c = config(0.3 * bitops_at(space.largest(), 8));
  const Individual best = random_search(space, c, joint_fitness, cost, 500);
  EXPECT_EQ(calls_seen, 500);
  EXPECT_LE(best.costs.bitops, c.budget.bitops);
  EXPECT_NO_THROW(space.check(best.arch, best.policy));
  EXPECT_FLOAT_EQ(best.fitness, static_cast<float>(truth.quantized(best.arch, best.policy)));
  // More calls never find worse (the first 500 samples of the same seed are among the 2000).
  const Individual more = random_search(space, c, joint_fitness, cost, 2000);
  EXPECT_GE(more.fitness, best.fitness);
  const Individual again = random_search(space, c, joint_fitness, cost, 500);
  EXPECT_EQ(again.arch, best.arch);
  EXPECT_EQ(again.policy, best.policy);
  EXPECT_THROW(random_search(space, c, joint_fitness, cost, 1), std::invalid_argument);
}

TEST_F(BaselineSearchTest, UniformBaselinesQuantizeTheBestEightBitArchitecture) {
  const EvolutionConfig c = config(0.3 * bitops_at(space.largest(), 8));
  const auto found = uniform_baselines(space, c, arch_fitness, cost, 10);
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].bits, 8);
  EXPECT_EQ(found[1].bits, 4);
  const Individual stage1 = best_architecture(space, c, arch_fitness, cost, 8, 10);
  for (const auto& b : found) {
    EXPECT_EQ(b.candidate.arch, stage1.arch);
    EXPECT_EQ(b.candidate.policy, space.uniform_policy(stage1.arch, b.bits));
    EXPECT_LE(b.candidate.costs.bitops, c.budget.bitops);
  }
}

TEST_F(BaselineSearchTest, OnlyTheLowBitVersionWhenNoEightBitNetFits) {
  const Arch small = space.smallest();
  // Between the smallest net at 4 bits and at 8 bits: only 4-bit nets fit.
  const double budget = 0.5 * (bitops_at(small, 4) + bitops_at(small, 8));
  const auto found = uniform_baselines(space, config(budget), arch_fitness, cost, 5);
  ASSERT_EQ(found.size(), 1u);
  EXPECT_EQ(found[0].bits, 4);
  EXPECT_LE(found[0].candidate.costs.bitops, budget);
  EXPECT_TRUE(uniform_baselines(space, config(0.5 * bitops_at(small, 4)), arch_fitness, cost, 5).empty());
}

}  // namespace
}  // namespace apq
