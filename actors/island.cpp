#include "actors/island.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "actors/messages.hpp"
#include "actors/node.hpp"

namespace apq::actors {
namespace {

using step_atom = caf::atom_constant<caf::atom("apq_step")>;

struct IslandState {
  std::unique_ptr<Evolution> evolution;
  FitnessFn fitness;
  CostFn cost;
  caf::response_promise promise;
  std::vector<IslandGeneration> history;
  std::map<std::uint32_t, std::vector<Migrants>> arrived;  // by generation
  std::uint32_t waiting_for = 0;  // generation whose migrants we wait for (0: none)
  Rng rng{0};
  bool running = false;
};

struct Island {
  caf::stateful_actor<IslandState>* self;
  Router router;
  Layout layout;
  IslandSetup setup;

  std::vector<int> sources() const { return setup.topology.sources(setup.index, setup.islands); }

  void record_generation() {
    const auto& pop = self->state.evolution->population();
    double sum = 0;
    int n = 0;
    for (const auto& ind : pop)
      if (!std::isnan(ind.fitness)) sum += ind.fitness, ++n;
    const Evolution& evolution = *self->state.evolution;
    self->state.history.push_back({evolution.generation(), setup.index, evolution.best().fitness, n ? sum / n : 0.0,
                                   static_cast<std::int64_t>(evolution.evaluated())});
  }

  void emigrate(std::uint32_t generation) {
    const auto chosen = setup.emigrants.select(self->state.evolution->population(), self->state.rng);
    Migrants m;
    m.from_island = setup.index;
    m.generation = generation;
    for (const auto& ind : chosen) {
      Genome g;
      pack_individual(*setup.space, ind, g.genes, g.fitness);
      m.genomes.push_back(std::move(g));
    }
    for (int to : setup.topology.neighbours(setup.index, setup.islands)) {
      m.to_island = to;
      router.tell(layout.island(to), m);
    }
  }

  // Takes in the migrants of `generation` (all of them when deterministic); false if still waiting.
  bool immigrate(std::uint32_t generation) {
    auto& arrived = self->state.arrived;
    std::vector<Migrants> batch;
    if (setup.deterministic_migration) {
      auto it = arrived.find(generation);
      const std::size_t have = it == arrived.end() ? 0 : it->second.size();
      if (have < sources().size()) return false;
      batch = std::move(it->second);
      arrived.erase(it);
      std::sort(batch.begin(), batch.end(), [](const Migrants& a, const Migrants& b) { return a.from_island < b.from_island; });
    } else {
      for (auto it = arrived.begin(); it != arrived.end() && it->first <= generation;) {
        batch.insert(batch.end(), it->second.begin(), it->second.end());
        it = arrived.erase(it);
      }
    }
    std::vector<Individual> immigrants;
    for (const auto& m : batch)
      for (const auto& g : m.genomes) immigrants.push_back(unpack_individual(*setup.space, g.genes.data(), g.fitness.data()));
    if (!immigrants.empty()) {
      std::vector<Individual> population = self->state.evolution->population();
      setup.replacement.replace(population, immigrants, self->state.rng);
      self->state.evolution->replace_population(std::move(population));
    }
    return true;
  }

  void finish() {
    auto& st = self->state;
    IslandAnswer answer;
    // A Pareto search answers with its whole front, a single-objective one with its best.
    const auto& pop = st.evolution->population();
    const EvolutionConfig& config = st.evolution->config();
    std::vector<Individual> chosen = config.objective == Objective::pareto ? pareto_front(pop, config.pareto_axis) : pop;
    if (config.objective != Objective::pareto && static_cast<int>(chosen.size()) > setup.results) chosen.resize(setup.results);
    for (const Individual& ind : chosen) {
      Genome g;
      pack_individual(*setup.space, ind, g.genes, g.fitness);
      answer.best.push_back(std::move(g));
    }
    answer.history = std::move(st.history);
    st.history.clear();
    WorkResult r;
    r.answer = make_payload(answer);
    st.running = false;
    st.promise.deliver(std::move(r));
  }

  // A failing search (e.g. a budget below the smallest network) answers the request with the
  // error instead of taking the actor, and with it the job, down.
  void fail(const std::exception& e) {
    self->state.running = false;
    self->state.promise.deliver(caf::make_error(caf::sec::runtime_error, std::string(e.what())));
  }

  void step() {
    try {
      step_once();
    } catch (const std::exception& e) {
      fail(e);
    }
  }

  // One generation, then migration at the migration points, then the next step message.
  void step_once() {
    auto& st = self->state;
    if (st.waiting_for != 0) {
      if (!immigrate(st.waiting_for)) return;  // a Migrants message will call step() again
      st.waiting_for = 0;
    }
    if (st.evolution->generation() >= setup.generations) return finish();
    st.evolution->step();
    record_generation();
    const auto g = static_cast<std::uint32_t>(st.evolution->generation());
    if (setup.islands > 1 && setup.migrate_every > 0 && g % static_cast<std::uint32_t>(setup.migrate_every) == 0 &&
        static_cast<int>(g) < setup.generations) {
      emigrate(g);
      if (!immigrate(g)) {
        st.waiting_for = g;
        return;
      }
    }
    self->send(self, step_atom::value);
  }
};

caf::behavior island_behavior(caf::stateful_actor<IslandState>* self, Router router, Layout layout, IslandSetup setup) {
  auto island = std::make_shared<Island>(Island{self, std::move(router), std::move(layout), std::move(setup)});
  return {
      [self, island](const WorkItem& item) -> caf::response_promise {
        auto& st = self->state;
        if (st.running) {
          auto busy = self->make_response_promise();
          busy.deliver(caf::make_error(caf::sec::runtime_error, "island already searching"));
          return busy;
        }
        const IslandSetup& s = island->setup;
        EvolutionConfig config = s.evolution;
        config.seed = derive_seed(item.seed, stream_tag("island"), static_cast<std::uint64_t>(s.index));
        st.rng = Rng(derive_seed(config.seed, stream_tag("migration"), 0));
        st.promise = self->make_response_promise();
        st.running = true;
        try {
          s.prepare(st.fitness, st.cost);
          st.evolution = std::make_unique<Evolution>(*s.space, config, st.fitness, st.cost);
          st.evolution->initialize();
          st.history.clear();
          island->record_generation();
          self->send(self, step_atom::value);
        } catch (const std::exception& e) {
          island->fail(e);
        }
        return st.promise;
      },
      [island](step_atom) { island->step(); },
      [self, island](const Migrants& m) {
        self->state.arrived[m.generation].push_back(m);
        if (self->state.waiting_for == m.generation) island->step();
      },
  };
}

}  // namespace

caf::actor spawn_island(caf::actor_system& system, Router router, Layout layout, IslandSetup setup) {
  // Detached: a generation is seconds of compute that must not block the shared scheduler.
  return system.spawn<caf::detached>(island_behavior, std::move(router), std::move(layout), std::move(setup));
}

IslandOutcome read_island_result(const SearchSpace& space, const WorkResult& result) {
  IslandAnswer answer = read_payload<IslandAnswer>(result.answer);
  IslandOutcome out;
  const std::size_t genes = static_cast<std::size_t>(gene_count(space));
  for (const Genome& g : answer.best) {
    if (g.genes.size() != genes || g.fitness.size() != static_cast<std::size_t>(kIndividualValues))
      throw std::runtime_error("island result: an individual has " + std::to_string(g.genes.size()) + " genes and " +
                               std::to_string(g.fitness.size()) + " values, not " + std::to_string(genes) + " and " +
                               std::to_string(kIndividualValues));
    out.best.push_back(unpack_individual(space, g.genes.data(), g.fitness.data()));
  }
  out.history = std::move(answer.history);
  return out;
}

std::vector<IslandOutcome> run_island_search(Node& node, const Layout& layout, const SearchSpace& space, std::uint64_t seed) {
  caf::scoped_actor self(node.system());
  WorkItem start;
  start.task = "search";
  start.seed = seed;
  using Handle = decltype(node.router().request(self.ptr(), layout.island(0), start));
  std::vector<Handle> pending;
  for (int k = 0; k < layout.num_islands(); ++k) {
    start.id = static_cast<std::uint64_t>(k);
    pending.push_back(node.router().request(self.ptr(), layout.island(k), start));
  }
  std::vector<IslandOutcome> outcomes(static_cast<std::size_t>(layout.num_islands()));
  for (int k = 0; k < layout.num_islands(); ++k) {
    std::string error;
    pending[k].receive([&](WorkResult& r) { outcomes[k] = read_island_result(space, r); },
                       [&](caf::error& e) { error = "search: island " + std::to_string(k) + ": " + node.system().render(e); });
    if (!error.empty()) throw std::runtime_error(error);
  }
  return outcomes;
}

}  // namespace apq::actors
