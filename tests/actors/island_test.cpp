// Evolution islands on one rank (MPI singleton): a search request answers with a typed
// IslandAnswer that decodes into individuals and one history entry per generation; islands
// that migrate wait for each other's migrants and still give the same answer every time.
#include "actors/island.hpp"

#include <gtest/gtest.h>

#include "actors/node.hpp"
#include "kernels/island_ops.hpp"
#include "tests/kernels/search_test_costs.hpp"
#include "tests/kernels/tiny_space.hpp"

namespace apq::actors {
namespace {

// MPI is started for this test binary by node_test.cpp's environment.
int thread_level() {
  int provided = 0;
  MPI_Query_thread(&provided);
  return provided;
}

// A fitness with a known optimum: more channels and more bits score higher.
std::vector<float> capacity_fitness(const SearchSpace& space, const std::vector<Individual>& v) {
  std::vector<float> out;
  for (const auto& ind : v) {
    double s = 0;
    for (int i = 0; i < space.num_slots(); ++i)
      if (space.is_active(ind.arch, i)) s += ind.arch.mid[i] * 0.001 + ind.policy.blocks[i].pw_w * 0.01;
    out.push_back(static_cast<float>(s));
  }
  return out;
}

struct SearchRun {
  std::vector<IslandOutcome> outcomes;
  std::vector<std::string> errors;
};

SearchRun search(const SearchSpace& space, int islands, int generations, double latency_budget) {
  Node node(MPI_COMM_WORLD, thread_level());
  const Layout layout({node.size(), 0, islands});
  for (int k = 0; k < islands; ++k) {
    IslandSetup s;
    s.space = &space;
    s.evolution.population = 12;
    s.evolution.mutants = 6;
    s.evolution.crossovers = 6;
    s.evolution.budget.latency_ms = latency_budget;
    s.index = k;
    s.islands = islands;
    s.generations = generations;
    s.migrate_every = 2;
    s.results = 3;
    s.emigrants = EmigrantSelection::best(2);
    s.prepare = [&space](FitnessFn& fitness, CostFn& cost) {
      fitness = [&space](const std::vector<Individual>& v) { return capacity_fitness(space, v); };
      cost = [&space](const Arch& a, const Policy& p) { return stand_in_costs(space, a, p); };
    };
    node.add(layout.island(k).name, spawn_island(node.system(), node.router(), layout, s));
  }
  node.start();
  SearchRun run;
  {
    caf::scoped_actor self(node.system());
    WorkItem start;
    start.task = "search";
    start.seed = 17;
    using Handle = decltype(node.router().request(self.ptr(), layout.island(0), start));
    std::vector<Handle> pending;
    for (int k = 0; k < islands; ++k) pending.push_back(node.router().request(self.ptr(), layout.island(k), start));
    for (auto& p : pending)
      p.receive([&](WorkResult& r) { run.outcomes.push_back(read_island_result(space, r)); },
                [&](caf::error& e) { run.errors.push_back(node.system().render(e)); });
  }
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
  return run;
}

TEST(Island, AnswersWithItsBestAndOneHistoryEntryPerGeneration) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const SearchRun run = search(space, 2, 5, 0.0);
  ASSERT_TRUE(run.errors.empty()) << run.errors.front();
  ASSERT_EQ(run.outcomes.size(), 2u);
  for (std::size_t k = 0; k < 2; ++k) {
    const IslandOutcome& o = run.outcomes[k];
    ASSERT_EQ(o.best.size(), 3u);
    EXPECT_GE(o.best[0].fitness, o.best[1].fitness);  // best first
    EXPECT_FLOAT_EQ(o.best[0].fitness, capacity_fitness(space, {o.best[0]})[0]);  // decoded intact
    ASSERT_EQ(o.history.size(), 6u);  // the initial population and 5 generations
    for (std::size_t g = 0; g < o.history.size(); ++g) {
      EXPECT_EQ(o.history[g].generation, static_cast<std::int64_t>(g));
      EXPECT_EQ(o.history[g].island, static_cast<std::int32_t>(k));
      EXPECT_GE(o.history[g].best_fitness, o.history[g].mean_fitness);
      if (g > 0) {
        EXPECT_GE(o.history[g].best_fitness, o.history[g - 1].best_fitness);
      }
    }
  }
}

TEST(Island, MigratingIslandsGiveTheSameAnswerEveryTime) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const SearchRun a = search(space, 3, 6, 0.0), b = search(space, 3, 6, 0.0);
  ASSERT_TRUE(a.errors.empty() && b.errors.empty());
  for (std::size_t k = 0; k < 3; ++k)
    for (std::size_t i = 0; i < a.outcomes[k].best.size(); ++i)
      EXPECT_TRUE(same_candidate(a.outcomes[k].best[i], b.outcomes[k].best[i])) << "island " << k << " result " << i;
}

TEST(Island, AnImpossibleBudgetAnswersWithTheErrorNotACrash) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const SearchRun run = search(space, 1, 3, 1e-9);
  ASSERT_EQ(run.errors.size(), 1u);
  EXPECT_NE(run.errors.front().find("budget"), std::string::npos) << run.errors.front();
}

}  // namespace
}  // namespace apq::actors
