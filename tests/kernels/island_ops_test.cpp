#include "kernels/island_ops.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/search_test_costs.hpp"

namespace apq {
namespace {

class IslandOpsTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};

  // Distinct individuals with fitness = 0.1 * (index + 1), in shuffled order.
  std::vector<Individual> population(int n, std::uint64_t seed) {
    Rng rng(seed);
    std::vector<Individual> pop;
    while (static_cast<int>(pop.size()) < n) {
      Individual ind;
      ind.arch = space.sample(rng);
      ind.policy = space.sample_policy(ind.arch, rng);
      if (std::any_of(pop.begin(), pop.end(), [&](const Individual& p) { return same_candidate(p, ind); })) continue;
      ind.fitness = 0.1f * static_cast<float>(pop.size() + 1);
      pop.push_back(ind);
    }
    for (int i = n - 1; i > 0; --i) std::swap(pop[i], pop[rng.below(i + 1)]);
    return pop;
  }
};

TEST_F(IslandOpsTest, BestEmigrantsAreTheFittest) {
  const auto pop = population(10, 1);
  Rng rng(2);
  const auto out = EmigrantSelection::best(3).select(pop, rng);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FLOAT_EQ(out[0].fitness, 1.0f);
  EXPECT_FLOAT_EQ(out[1].fitness, 0.9f);
  EXPECT_FLOAT_EQ(out[2].fitness, 0.8f);
  EXPECT_EQ(EmigrantSelection::best(50).select(pop, rng).size(), 10u);
  EXPECT_THROW(EmigrantSelection::best(-1), std::invalid_argument);
}

TEST_F(IslandOpsTest, RandomEmigrantsAreDistinctAndSeeded) {
  const auto pop = population(20, 3);
  Rng a(4), b(4);
  const auto x = EmigrantSelection::random(5).select(pop, a);
  const auto y = EmigrantSelection::random(5).select(pop, b);
  ASSERT_EQ(x.size(), 5u);
  std::set<float> seen;
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].fitness, y[i].fitness);
    seen.insert(x[i].fitness);
  }
  EXPECT_EQ(seen.size(), 5u);
}

TEST_F(IslandOpsTest, ReplaceWorstTakesOnlyBetterNonDuplicates) {
  auto pop = population(6, 5);  // fitness 0.1 .. 0.6
  auto arrivals = population(3, 6);
  arrivals[0].fitness = 0.95f;
  arrivals[1].fitness = 0.05f;  // worse than everyone: not taken
  arrivals[2] = pop[0];          // a duplicate of a member: never taken
  arrivals[2].fitness = 2.0f;
  Rng rng(1);
  EXPECT_EQ(ImmigrantReplacement::worst().replace(pop, arrivals, rng), 1);
  ASSERT_EQ(pop.size(), 6u);
  EXPECT_FLOAT_EQ(pop.front().fitness, 0.95f);  // sorted best first
  EXPECT_FLOAT_EQ(pop.back().fitness, 0.2f);    // 0.1 was replaced
  for (const Individual& ind : pop) EXPECT_NE(ind.fitness, 2.0f);
}

TEST_F(IslandOpsTest, ReplaceRandomKeepsTheBestAndSkipsDuplicates) {
  for (std::uint64_t seed = 0; seed < 20; ++seed) {
    auto pop = population(5, 7);
    auto arrivals = population(2, 8 + seed);
    arrivals[0].fitness = arrivals[1].fitness = 0.01f;
    Individual twin = arrivals[0];  // two equal immigrants: only one enters
    Rng rng(seed);
    arrivals.push_back(twin);
    const int taken = ImmigrantReplacement::random().replace(pop, arrivals, rng);
    EXPECT_EQ(taken, 2);
    EXPECT_FLOAT_EQ(pop.front().fitness, 0.5f);  // the best member is never replaced
    int immigrants = 0;
    for (const Individual& ind : pop) immigrants += ind.fitness == 0.01f;
    EXPECT_EQ(immigrants, 2);
  }
}

// Islands in one process, as the island actors will run them across ranks: step, select
// emigrants, send them as plain numbers, unpack and take them in at the neighbour.
TEST_F(IslandOpsTest, IslandsMigrateThroughPlainNumbers) {
  const SyntheticAccuracy truth(space, 2);  // SYNTHETIC fitness
  const FitnessFn fitness = [&](const std::vector<Individual>& pop) {
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.quantized(ind.arch, ind.policy)));
    return out;
  };
  const CostFn cost = [&](const Arch& a, const Policy& p) { return stand_in_costs(space, a, p); };
  const int n = 3;
  std::vector<Evolution> islands;
  for (int i = 0; i < n; ++i) {
    EvolutionConfig c;
    c.population = 20;
    c.mutants = c.crossovers = 10;
    c.seed = derive_seed(1, stream_tag("island"), static_cast<std::uint64_t>(i));
    islands.emplace_back(space, c, fitness, cost);
    islands.back().initialize();
  }
  const Topology topology = Topology::ring();
  Rng rng(3);
  for (int g = 0; g < 3; ++g) {
    for (Evolution& island : islands) island.step();
    std::vector<std::vector<std::int32_t>> genes(n);
    std::vector<std::vector<double>> values(n);
    for (int i = 0; i < n; ++i)
      for (const Individual& e : EmigrantSelection::best(2).select(islands[i].population(), rng))
        pack_individual(space, e, genes[i], values[i]);
    for (int i = 0; i < n; ++i) {
      const int to = topology.neighbours(i, n).front();
      std::vector<Individual> arrivals;
      for (std::size_t k = 0; k * kIndividualValues < values[i].size(); ++k)
        arrivals.push_back(unpack_individual(space, genes[i].data() + k * gene_count(space), values[i].data() + k * kIndividualValues));
      std::vector<Individual> pop = islands[to].population();
      const float best_before = pop.front().fitness;
      ImmigrantReplacement::worst().replace(pop, arrivals, rng);
      islands[to].replace_population(pop);
      // The receiving island now holds the sender's best (or its own was better already).
      EXPECT_GE(islands[to].best().fitness, std::max(best_before, arrivals.front().fitness));
    }
  }
  for (Evolution& island : islands) island.step();  // evolution goes on after migration
}

TEST(TopologyTest, ParsesAndNamesTheConfigSpelling) {
  for (const std::string text : {"ring", "full", "random-1", "random-3"})
    EXPECT_EQ(Topology::parse(text, 7).name(), text);
  EXPECT_EQ(Topology::parse("random-2", 42).neighbours(0, 5), Topology::random_neighbours(2, 42).neighbours(0, 5));
  for (const std::string bad : {"", "Ring", "random-", "random-0", "random-x", "random-2x", "random--1", "star"}) {
    try {
      Topology::parse(bad, 1);
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const std::invalid_argument& e) {
      EXPECT_EQ(std::string(e.what()), "search.topology must be ring, full or random-K (K >= 1), not '" + bad + "'");
    }
  }
}

TEST(TopologyTest, RingFullyConnectedAndRandom) {
  EXPECT_EQ(Topology::ring().neighbours(0, 4), (std::vector<int>{1}));
  EXPECT_EQ(Topology::ring().neighbours(3, 4), (std::vector<int>{0}));
  EXPECT_EQ(Topology::ring().sources(0, 4), (std::vector<int>{3}));
  EXPECT_TRUE(Topology::ring().neighbours(0, 1).empty());
  EXPECT_EQ(Topology::fully_connected().neighbours(2, 4), (std::vector<int>{0, 1, 3}));
  EXPECT_EQ(Topology::fully_connected().sources(2, 4), (std::vector<int>{0, 1, 3}));
  EXPECT_THROW(Topology::ring().neighbours(4, 4), std::invalid_argument);

  const Topology random = Topology::random_neighbours(2, 42);
  int differs = 0;
  for (int i = 0; i < 8; ++i) {
    const auto n = random.neighbours(i, 8);
    ASSERT_EQ(n.size(), 2u);
    EXPECT_TRUE(std::is_sorted(n.begin(), n.end()));
    EXPECT_NE(n[0], n[1]);
    EXPECT_EQ(std::count(n.begin(), n.end(), i), 0);
    EXPECT_EQ(n, Topology::random_neighbours(2, 42).neighbours(i, 8));  // same seed, same graph
    differs += n != Topology::random_neighbours(2, 43).neighbours(i, 8);
  }
  EXPECT_GT(differs, 0);
  EXPECT_EQ(Topology::random_neighbours(5, 1).neighbours(0, 3).size(), 2u);  // capped at n - 1
  EXPECT_THROW(Topology::random_neighbours(0, 1), std::invalid_argument);
}

}  // namespace
}  // namespace apq
