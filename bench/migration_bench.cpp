// What migration costs an evolution island: the search stage's real islands (actors/island.hpp)
// spread over the ranks (island k on rank k mod R), run twice in one job with the same seed:
// migrating every generation (5 emigrants to the next island in the ring, deterministic: each
// island waits for its source's emigrants of that generation) and, as the baseline, never
// migrating. Fitness is a trivial function of the genes, so a generation costs only the
// evolution's operators and the difference is migration's cost: its messages across ranks and
// the wait for the slowest source. Prints milliseconds per generation of both and microseconds
// per migration per island.
//   mpirun -np R build/bench/migration_bench [GENERATIONS=400] [ISLANDS_PER_RANK=2]
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "actors/island.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "kernels/search_space.hpp"

using namespace apq;
using namespace apq::actors;
using Clock = std::chrono::steady_clock;

namespace {

// Fitness that orders individuals by their genes, at almost no cost.
std::vector<float> gene_fitness(const std::vector<Individual>& population) {
  std::vector<float> out;
  out.reserve(population.size());
  for (const Individual& ind : population) {
    float f = 0;
    for (std::size_t i = 0; i < ind.arch.kernel.size(); ++i) f += 0.01f * ind.arch.kernel[i] + 0.001f * ind.arch.mid[i];
    for (const BlockBits& b : ind.policy.blocks) f -= 0.002f * (b.pw_w + b.pw_a + b.dw_w + b.dw_a);
    out.push_back(f);
  }
  return out;
}

// One search over every island on a fresh node; returns the wall seconds on rank 0 (0 elsewhere).
double search_once(const SearchSpace& space, int islands, int generations, int migrate_every, int provided) {
  MPI_Comm comm;
  MPI_Comm_dup(MPI_COMM_WORLD, &comm);
  double seconds = 0;
  {
    Node node(comm, provided);
    const Layout layout({node.size(), 0, islands});
    for (int k = 0; k < islands; ++k) {
      if (layout.island(k).rank != node.rank()) continue;
      IslandSetup setup;
      setup.space = &space;
      setup.index = k;
      setup.islands = islands;
      setup.generations = generations;
      setup.migrate_every = migrate_every;
      setup.prepare = [](FitnessFn& fitness, CostFn& cost) {
        fitness = gene_fitness;
        cost = [](const Arch&, const Policy&) { return Costs{}; };
      };
      node.add(layout.island(k).name, spawn_island(node.system(), node.router(), layout, setup));
    }
    node.start();
    if (node.rank() == 0) {
      const auto t0 = Clock::now();
      run_island_search(node, layout, space, 7);
      seconds = std::chrono::duration<double>(Clock::now() - t0).count();
      node.shutdown_all();
    }
    if (node.wait() != 0) std::exit(1);
  }
  MPI_Comm_free(&comm);
  return seconds;
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  const int generations = argc > 1 ? std::atoi(argv[1]) : 400;
  const int per_rank = argc > 2 ? std::atoi(argv[2]) : 2;
  int ranks = 1, rank = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  const int islands = ranks * per_rank;
  const SearchSpace space(default_fmnist_space());  // configs/quick.ini's space
  std::vector<double> with, without;
  for (int round = 0; round < 3; ++round) {  // interleaved, so the machine's noise hits both alike
    with.push_back(search_once(space, islands, generations, 1, provided));
    without.push_back(search_once(space, islands, generations, generations + 1, provided));
  }
  if (rank == 0) {
    auto median = [](std::vector<double> v) {
      std::sort(v.begin(), v.end());
      return v[v.size() / 2];
    };
    const double w = median(with), n = median(without);
    std::printf("migration_bench: %d rank(s), %d island(s), %d generations, population 100, 100 children per generation\n",
                ranks, islands, generations);
    std::printf("  never migrating (baseline): %.3f ms per generation\n", 1e3 * n / generations);
    std::printf("  migrating every generation: %.3f ms per generation (%.2fx)\n", 1e3 * w / generations, w / n);
    std::printf("  migration: %.1f us per migration per island (5 emigrants to the next island, waiting for its source's)\n",
                1e6 * (w - n) / generations);
  }
  MPI_Finalize();
  return 0;
}
