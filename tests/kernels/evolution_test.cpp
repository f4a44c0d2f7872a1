#include "kernels/evolution.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>

#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/synthetic_search_fixture.hpp"

namespace apq {
namespace {

class EvolutionTest : public SyntheticSearchTest {
 protected:
  double bitops_between(double fraction) const {
    const Arch lo = space.smallest(), hi = space.largest();
    const double min = stand_in_costs(space, lo, space.uniform_policy(lo, 4)).bitops;
    const double max = stand_in_costs(space, hi, space.uniform_policy(hi, 8)).bitops;
    return min + fraction * (max - min);
  }
  EvolutionConfig config(double budget_fraction, std::uint64_t seed = 5) const {
    EvolutionConfig c;
    c.budget.bitops = bitops_between(budget_fraction);
    c.seed = seed;
    return c;
  }
};

TEST_F(EvolutionTest, MutationAndCrossoverGiveValidIndividualsAndMutateDepth) {
  for (double p : {0.1, 0.6}) {
    EvolutionConfig c = config(1.0);
    c.block_mutation_prob = c.depth_mutation_prob = p;
    Evolution evo(space, c, fitness, cost);
    int depth_changed = 0, bits_changed = 0, arch_changed = 0;
    for (int i = 0; i < 1000; ++i) {
      const Individual a = evo.random_individual(), b = evo.random_individual();
      const Individual m = evo.mutate(a);
      ASSERT_NO_THROW(space.check(m.arch, m.policy));
      const Individual x = evo.crossover(a, b);
      ASSERT_NO_THROW(space.check(x.arch, x.policy));
      depth_changed += m.arch.depth != a.arch.depth;
      arch_changed += m.arch != a.arch;
      bits_changed += m.policy != a.policy;
      for (std::size_t s = 0; s < x.arch.depth.size(); ++s)
        ASSERT_TRUE(x.arch.depth[s] == a.arch.depth[s] || x.arch.depth[s] == b.arch.depth[s]);
    }
    EXPECT_GT(depth_changed, 100) << p;  // 4 stages at 0.1: ~1 - 0.9^4 x (2/3 changes) ~ 23%
    EXPECT_GT(arch_changed, depth_changed);
    EXPECT_GT(bits_changed, 500);
  }
}

TEST_F(EvolutionTest, OperatorsStayValidOnAFineGrainedWidthSpace) {
  SpaceSpec spec = default_fmnist_space();
  spec.fine_grained_width = true;  // a different set of widths per slot
  spec.bits = {2, 4, 8};
  const SearchSpace fine(spec);
  EvolutionConfig c;
  c.block_mutation_prob = c.depth_mutation_prob = 0.5;
  Evolution evo(fine, c, fitness, [&](const Arch& a, const Policy& p) { return stand_in_costs(fine, a, p); });
  for (int i = 0; i < 500; ++i) {
    const Individual a = evo.random_individual(), b = evo.random_individual();
    const Individual m = evo.mutate(a);
    ASSERT_NO_THROW(fine.check(m.arch, m.policy));
    const Individual x = evo.crossover(a, b);
    ASSERT_NO_THROW(fine.check(x.arch, x.policy));
  }
}

TEST_F(EvolutionTest, PolicyOnlyAndArchOnlySearchKeepTheFixedPart) {
  EvolutionConfig c = config(1.0);
  c.search_arch = false;
  c.fixed_arch = space.largest();
  Evolution policy_only(space, c, fitness, cost);
  const Individual a = policy_only.random_individual();
  EXPECT_EQ(policy_only.mutate(a).arch, space.largest());
  EXPECT_EQ(policy_only.crossover(a, policy_only.random_individual()).arch, space.largest());

  EvolutionConfig d = config(1.0);
  d.search_policy = false;
  d.fixed_bits = 6;
  Evolution arch_only(space, d, fitness, cost);
  const Individual m = arch_only.mutate(arch_only.random_individual());
  EXPECT_EQ(m.policy, space.uniform_policy(m.arch, 6));
}

TEST_F(EvolutionTest, SearchStaysWithinBudgetKeepsAllChildrenAndImproves) {
  const EvolutionConfig c = config(0.3);
  Evolution evo(space, c, fitness, cost);
  evo.initialize();
  EXPECT_EQ(evo.population().size(), 100u);  // all initial samples kept
  evo.step();
  // 25 parents + 50 mutants + 50 crossover children, less the rare duplicates (dropped).
  EXPECT_GE(evo.population().size(), 120u);
  EXPECT_LE(evo.population().size(), 125u);
  evo.run(29);
  const auto& pop = evo.population();
  EXPECT_GT(pop.size(), 100u);
  EXPECT_LE(pop.size(), 125u);
  for (std::size_t i = 0; i < pop.size(); ++i) {
    EXPECT_LE(pop[i].costs.bitops, c.budget.bitops);
    EXPECT_NO_THROW(space.check(pop[i].arch, pop[i].policy));
    for (std::size_t j = 0; j < i; ++j)
      ASSERT_FALSE(pop[i].arch == pop[j].arch && pop[i].policy == pop[j].policy) << "duplicate " << i << " " << j;
  }
  const auto& h = evo.best_history();
  ASSERT_EQ(h.size(), 31u);
  for (std::size_t g = 1; g < h.size(); ++g) EXPECT_GE(h[g], h[g - 1]);  // parents survive
  EXPECT_GT(h.back(), h.front() + 0.005f);
  EXPECT_EQ(evo.evaluated(), 100 + 30 * 100);

  EvolutionConfig top = c;
  top.survival = Survival::best_of_both;
  Evolution trimmed(space, top, fitness, cost);
  trimmed.run(2);
  EXPECT_LE(trimmed.population().size(), 100u);
  EXPECT_GE(trimmed.population().size(), 95u);
}

TEST_F(EvolutionTest, BudgetsOnLatencyAndEnergyTogether) {
  EvolutionConfig c;
  Rng rng(1);
  const Arch mid = space.sample(rng);
  const Costs ref = stand_in_costs(space, mid, space.uniform_policy(mid, 6));
  c.budget.latency_ms = ref.latency_ms;
  c.budget.energy_mj = ref.energy_mj;
  Evolution evo(space, c, fitness, cost);
  evo.run(5);
  for (const Individual& ind : evo.population()) EXPECT_TRUE(c.budget.admits(ind.costs));
}

TEST_F(EvolutionTest, SameSeedSameSearch) {
  Evolution a(space, config(0.4, 9), fitness, cost), b(space, config(0.4, 9), fitness, cost), other(space, config(0.4, 10), fitness, cost);
  a.run(10);
  b.run(10);
  other.run(10);
  ASSERT_EQ(a.population().size(), b.population().size());
  for (std::size_t i = 0; i < a.population().size(); ++i) {
    EXPECT_EQ(a.population()[i].arch, b.population()[i].arch);
    EXPECT_EQ(a.population()[i].policy, b.population()[i].policy);
    EXPECT_EQ(a.population()[i].fitness, b.population()[i].fitness);
  }
  EXPECT_NE(to_string(space, a.best().arch, a.best().policy) + to_string(space, a.population()[50].arch),
            to_string(space, other.best().arch, other.best().policy) + to_string(space, other.population()[50].arch));
}

TEST_F(EvolutionTest, TooSmallBudgetFailsQuicklyWithAClearError) {
  EvolutionConfig c;
  c.budget.bitops = 1000;
  Evolution evo(space, c, fitness, cost);
  const auto start = std::chrono::steady_clock::now();
  try {
    evo.initialize();
    FAIL() << "expected std::runtime_error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("BitOps <= 1000"), std::string::npos) << what;
    EXPECT_NE(what.find("smallest architecture at 4 bits costs"), std::string::npos) << what;
  }
  // max_attempts plain draws, then one draw shrunk down to the smallest corner: bounded work.
  EXPECT_GT(evo.rejected(), c.max_attempts);
  EXPECT_LE(evo.rejected(), c.max_attempts + gene_count(space));
  (void)start;  // no wall-clock assertion: the cap bounds the work
}

TEST_F(EvolutionTest, ABudgetRandomDrawsAlmostNeverMeetIsMetByShrinkingThem) {
  const Arch lo = space.smallest();
  EvolutionConfig c;
  c.budget.bitops = 1.3 * stand_in_costs(space, lo, space.uniform_policy(lo, 4)).bitops;
  c.max_attempts = 50;
  Evolution evo(space, c, fitness, cost);
  evo.run(3);
  EXPECT_GT(evo.rejected(), c.max_attempts);  // the plain draws did fail
  int distinct = 0;
  const auto& pop = evo.population();
  for (std::size_t i = 0; i < pop.size(); ++i) {
    EXPECT_LE(pop[i].costs.bitops, c.budget.bitops);
    bool seen = false;
    for (std::size_t j = 0; j < i; ++j) seen = seen || (pop[j].arch == pop[i].arch && pop[j].policy == pop[i].policy);
    distinct += !seen;
  }
  EXPECT_GE(pop.size(), 60u);  // duplicates are dropped: the shrunk samples stay diverse
  EXPECT_EQ(distinct, static_cast<int>(pop.size()));
}

TEST_F(EvolutionTest, LatencyBudgetWithoutLatencyCostsIsAClearError) {
  EvolutionConfig c;
  c.budget.latency_ms = 1.0;
  const CostFn no_latency = [this](const Arch& a, const Policy& p) {
    Costs costs = stand_in_costs(space, a, p);
    costs.latency_ms = std::numeric_limits<double>::quiet_NaN();
    return costs;
  };
  Evolution evo(space, c, fitness, no_latency);
  EXPECT_THROW(evo.initialize(), std::invalid_argument);
  EXPECT_EQ(evo.rejected(), 0);  // at the first draw, not after max_attempts
}

TEST_F(EvolutionTest, RejectsBadConfig) {
  EvolutionConfig c;
  c.population = 1;
  EXPECT_THROW(Evolution(space, c, fitness, cost), std::invalid_argument);
  c = EvolutionConfig{};
  c.search_arch = false;  // fixed_arch left empty
  EXPECT_THROW(Evolution(space, c, fitness, cost), std::invalid_argument);
  c = EvolutionConfig{};
  c.search_policy = false;
  c.fixed_bits = 5;
  EXPECT_THROW(Evolution(space, c, fitness, cost), std::invalid_argument);
}

TEST_F(EvolutionTest, IndividualsPackToPlainNumbersAndBack) {
  Evolution evo(space, config(1.0), fitness, cost);
  Individual ind = evo.random_individual();
  ind.fitness = 0.75f;
  ind.costs = cost(ind.arch, ind.policy);
  std::vector<std::int32_t> genes;
  std::vector<double> values;
  pack_individual(space, ind, genes, values);
  ASSERT_EQ(static_cast<int>(genes.size()), gene_count(space));
  ASSERT_EQ(static_cast<int>(values.size()), kIndividualValues);
  const Individual back = unpack_individual(space, genes.data(), values.data());
  EXPECT_EQ(back.arch, ind.arch);
  EXPECT_EQ(back.policy, ind.policy);
  EXPECT_EQ(back.fitness, ind.fitness);
  EXPECT_EQ(back.costs.bitops, ind.costs.bitops);
  genes[space.num_stages()] = 4;  // an even kernel
  EXPECT_THROW(unpack_individual(space, genes.data(), values.data()), std::invalid_argument);
}

}  // namespace
}  // namespace apq
