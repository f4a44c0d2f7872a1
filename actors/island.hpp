// An evolution island: its own population (kernels/evolution.hpp), run one generation per
// message so migrants are taken in between generations. Every `migrate_every` generations it
// sends its emigrants to its neighbour islands (on any rank) and takes in those its sources sent
// for the same generation. With deterministic migration (the default) it waits, at that point,
// for exactly those migrants: a point-to-point dependency on its sources, no global barrier, and
// the same result whatever the number of ranks. Without it, it takes in whatever has arrived.
//
// Started by a WorkItem request (task "search"); answers with a WorkResult whose answer is an
// IslandAnswer: its best individuals and one history entry per generation.
#pragma once
#include <functional>

#include <caf/all.hpp>

#include "actors/layout.hpp"
#include "actors/messages.hpp"
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
  int results = 10;  // best individuals answered (a Pareto search answers its whole front)
  bool deterministic_migration = true;
  EmigrantSelection emigrants = EmigrantSelection::best(5);
  ImmigrantReplacement replacement = ImmigrantReplacement::worst();
  Topology topology = Topology::ring();
  // Called once on the island's thread when the search starts: loads what scores candidates
  // (the predictor, the cost table), which need not exist when the island is spawned.
  std::function<void(FitnessFn& fitness, CostFn& cost)> prepare;
};

// One generation of one island.
struct IslandGeneration {
  std::int64_t generation = 0;
  std::int32_t island = 0;
  double best_fitness = 0.0;
  double mean_fitness = 0.0;  // over the individuals with a finite fitness
  std::int64_t evaluated = 0;  // candidates scored in that generation
};

// What an island answers its start request with (WorkResult::answer).
struct IslandAnswer {
  static constexpr std::uint32_t type_id = 110;
  static constexpr const char* type_name = "apq.IslandAnswer";
  std::vector<Genome> best;  // packed individuals (kernels/evolution.hpp), best first (a Pareto search: its front, cheapest first)
  std::vector<IslandGeneration> history;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IslandGeneration& x) {
  return f(x.generation, x.island, x.best_fitness, x.mean_fitness, x.evaluated);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, IslandAnswer& x) {
  return f(x.best, x.history);
}

caf::actor spawn_island(caf::actor_system& system, Router router, Layout layout, IslandSetup setup);

// An island's answer with its individuals unpacked.
struct IslandOutcome {
  std::vector<Individual> best;
  std::vector<IslandGeneration> history;
};
IslandOutcome read_island_result(const SearchSpace& space, const WorkResult& result);

class Node;
// One search over every island of the layout: sends each its start request (this seed, id = its
// index) before waiting for any, since they depend on each other's migrants, and returns their
// outcomes in island order. Throws std::runtime_error "search: island k: ..." for an island's error.
std::vector<IslandOutcome> run_island_search(Node& node, const Layout& layout, const SearchSpace& space, std::uint64_t seed);

}  // namespace apq::actors
