// base/pareto.hpp (the two-objective order) and the Pareto mode of kernels/evolution.hpp.
#include "base/pareto.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "base/rng.hpp"
#include "kernels/evolution.hpp"
#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/synthetic_search_fixture.hpp"

namespace apq {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

TEST(Pareto, RanksFrontsWithTiesAndNaNLast) {
  // a dominates c; b and d are equal (neither dominates); e has no accuracy.
  const std::vector<Objectives> p = {{0.9, 3}, {0.8, 2}, {0.7, 3}, {0.8, 2}, {kNaN, 1}, {0.6, 1}};
  EXPECT_EQ(pareto_ranks(p), (std::vector<int>{0, 0, 1, 0, 2, 0}));
  EXPECT_TRUE(dominates(p[0], p[2]));
  EXPECT_FALSE(dominates(p[1], p[3]));
  EXPECT_TRUE(dominates(p[5], p[4]));
  EXPECT_FALSE(dominates(p[4], p[5]));
  EXPECT_EQ(pareto_front(p), (std::vector<std::size_t>{5, 1, 3, 0}));  // cheapest first, NaN never
}

TEST(Pareto, CrowdingKeepsTheEndsAndPrefersIsolatedPoints) {
  // One front: cost 1..5, accuracy rising; point 2 sits close to point 1.
  const std::vector<Objectives> p = {{0.50, 1}, {0.60, 2}, {0.61, 2.1}, {0.80, 4}, {0.90, 5}};
  const auto ranks = pareto_ranks(p);
  for (int r : ranks) ASSERT_EQ(r, 0);
  const auto d = crowding_distances(p, ranks);
  EXPECT_TRUE(std::isinf(d[0]));
  EXPECT_TRUE(std::isinf(d[4]));
  EXPECT_GT(d[3], d[1]);
  EXPECT_GT(d[3], d[2]);
  const auto order = nsga2_order(p);
  EXPECT_EQ(order.front(), 0u);  // ends first (stable between them), then the most isolated
  EXPECT_EQ(order[1], 4u);
  EXPECT_EQ(order[2], 3u);
}

TEST(Pareto, SweepFrontIsTheFirstRankOnRandomPoints) {
  Rng rng(11);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<Objectives> p;
    for (int i = 0; i < 200; ++i) p.push_back({static_cast<double>(rng.below(50)), static_cast<double>(rng.below(50))});
    const auto ranks = pareto_ranks(p);
    const auto front = pareto_front(p);
    std::size_t rank0 = 0;
    for (std::size_t i = 0; i < p.size(); ++i) rank0 += ranks[i] == 0;
    ASSERT_EQ(front.size(), rank0);  // and each rank-0 point is in it, as checked below
    for (std::size_t k = 0; k < front.size(); ++k) {
      ASSERT_EQ(ranks[front[k]], 0);
      if (k) {
        ASSERT_LE(p[front[k - 1]].cost, p[front[k]].cost);
      }
    }
    for (std::size_t i = 0; i < p.size(); ++i)  // every other point is dominated by some front point
      if (ranks[i] > 0) {
        bool beaten = false;
        for (std::size_t f : front) beaten = beaten || dominates(p[f], p[i]);
        ASSERT_TRUE(beaten) << i;
      } else {
        ASSERT_NE(std::find(front.begin(), front.end(), i), front.end()) << i;
      }
  }
}

class ParetoEvolutionTest : public SyntheticSearchTest {
 protected:
  EvolutionConfig pareto_config(std::uint64_t seed) const {
    EvolutionConfig c;
    c.objective = Objective::pareto;
    c.pareto_axis = CostAxis::bitops;
    c.seed = seed;

    return c;
  }
  static double best_within(const std::vector<Individual>& front, double bitops) {
    double best = -1;
    for (const Individual& ind : front)
      if (ind.costs.bitops <= bitops) best = std::max(best, static_cast<double>(ind.fitness));
    return best;
  }
};

TEST_F(ParetoEvolutionTest, KeepsANonDominatedSpreadFrontAndIsDeterministic) {
  Evolution evo(space, pareto_config(4), fitness, cost);
  evo.run(30);
  const auto& pop = evo.population();
  EXPECT_LE(pop.size(), 100u);  // NSGA-II survival: always truncated to the population size
  const auto front = pareto_front(pop, CostAxis::bitops);
  ASSERT_GE(front.size(), 20u);
  for (const Individual& a : front)
    for (const Individual& b : pop)
      ASSERT_FALSE(dominates({b.fitness, b.costs.bitops}, {a.fitness, a.costs.bitops}));
  // The front spans the cost range: its cheapest point costs less than a third of its dearest.
  EXPECT_LT(front.front().costs.bitops * 3, front.back().costs.bitops);
  // The population starts with the front (NSGA-II order), and best() is its highest fitness.
  EXPECT_EQ(best_within(front, INFINITY), evo.best().fitness);

  Evolution again(space, pareto_config(4), fitness, cost);
  again.run(30);
  const auto front2 = pareto_front(again.population(), CostAxis::bitops);
  ASSERT_EQ(front2.size(), front.size());
  for (std::size_t i = 0; i < front.size(); ++i) {
    EXPECT_EQ(front2[i].arch, front[i].arch);
    EXPECT_EQ(front2[i].policy, front[i].policy);
  }
}

// One search, every budget: the front answers a budget nearly as well as a search for that
// budget alone with as many generations. Measured with this synthetic fitness (accuracies
// 0.75-0.90): 0.4-1.0 points below at 40 generations, 0.0-0.6 at 100 to 400 (the front spreads
// its population over every cost); bound here at 1.5 points, and above the best of the initial
// random population within the budget (the search made progress there too).
TEST_F(ParetoEvolutionTest, AnswersABudgetNearlyLikeASingleBudgetSearch) {
  Evolution pareto(space, pareto_config(7), fitness, cost);
  pareto.initialize();
  const std::vector<Individual> initial = pareto.population();
  pareto.run(40);
  const auto front = pareto_front(pareto.population(), CostAxis::bitops);
  const Arch lo = space.smallest(), hi = space.largest();
  const double min = stand_in_costs(space, lo, space.uniform_policy(lo, 4)).bitops;
  const double max = stand_in_costs(space, hi, space.uniform_policy(hi, 8)).bitops;
  for (double fraction : {0.2, 0.4}) {
    EvolutionConfig single;
    single.budget.bitops = min + fraction * (max - min);
    single.seed = 7;
    Evolution one(space, single, fitness, cost);
    one.run(40);
    const double answer = best_within(front, single.budget.bitops);
    ASSERT_GT(answer, 0) << "the front has no point within budget " << fraction;
    EXPECT_GE(answer, one.best().fitness - 0.015) << "budget fraction " << fraction;
    EXPECT_GT(answer, best_within(initial, single.budget.bitops)) << "budget fraction " << fraction;
  }
}

TEST_F(ParetoEvolutionTest, RefusesAnAxisTheCostCannotGive) {
  EvolutionConfig c = pareto_config(1);
  c.pareto_axis = CostAxis::latency;
  CostFn no_latency = [this](const Arch& a, const Policy& p) {
    Costs k = stand_in_costs(space, a, p);
    k.latency_ms = kNaN;
    return k;
  };
  Evolution evo(space, c, fitness, no_latency);
  EXPECT_THROW(evo.initialize(), std::invalid_argument);
}

}  // namespace
}  // namespace apq
