// An evolution island: its own population (kernels/evolution.hpp), run one generation per
// message so migrants are taken in between generations. Every `migrate_every` generations it
// sends its emigrants to its neighbour islands (on any rank) and takes in those its sources sent
// for the same generation. With deterministic migration (the default) it waits, at that point,
// for exactly those migrants: a point-to-point dependency on its sources, no global barrier, and
// the same result whatever the number of ranks. Without it, it takes in whatever has arrived.
//
// Started by a WorkItem request (task "search"); answers with a WorkResult carrying its best
// individuals (ints: genes of each, values: kIndividualValues numbers of each) followed in
// `values` by its history rows (generation, island, best, mean fitness, evaluated).
#pragma once
#include <array>
#include <functional>

#include <caf/all.hpp>

#include "actors/layout.hpp"
#include "actors/router.hpp"
#include "kernels/evolution.hpp"
#include "kernels/island_ops.hpp"

namespace apq::actors {

struct IslandSetup {
  const SearchSpace* space = nullptr;
  EvolutionConfig evolution;  // the seed is made per island from it
  int index = 0;
  int islands = 1;
  int generations = 100;
  int migrate_every = 5;
  int results = 10;
  bool deterministic_migration = true;
  EmigrantSelection emigrants = EmigrantSelection::best(5);
  ImmigrantReplacement replacement = ImmigrantReplacement::worst();
  Topology topology = Topology::ring();
  // Called once on the island's thread when the search starts: loads what scores candidates
  // (the predictor, the cost table), which need not exist when the island is spawned.
  std::function<void(FitnessFn& fitness, CostFn& cost)> prepare;
};

constexpr int kHistoryValues = 5;

caf::actor spawn_island(caf::actor_system& system, Router router, Layout layout, IslandSetup setup);

// Splits an island's answer into its individuals and history rows.
struct IslandOutcome {
  std::vector<Individual> best;
  std::vector<std::array<double, kHistoryValues>> history;
};
IslandOutcome read_island_result(const SearchSpace& space, const std::vector<std::int32_t>& ints,
                                 const std::vector<double>& values);

}  // namespace apq::actors
