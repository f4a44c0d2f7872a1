// Work distribution across ranks (run with 2 and 4 ranks): every worker on every rank gets
// items, an item whose first try throws is retried on another rank and the run finishes,
// an item that always throws is recorded as failed with its reason, already-done IDs are
// skipped, results carry the per-item seeds; islands pass migrants around the ring.
#include <chrono>
#include <iostream>
#include <set>
#include <thread>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "actors/worker.hpp"
#include "base/rng.hpp"
#include "tests/mpi/mpi_check.hpp"

using namespace apq::actors;
using namespace apq::actors::testing;

namespace {

constexpr std::uint64_t kRunSeed = 2020;
constexpr std::uint64_t kItems = 120;
const Address kCollector{0, "collector"};

WorkResult compute(const WorkItem& item) {
  if (item.id == 7 && item.attempt == 0) throw std::runtime_error("injected failure of item 7");
  if (item.id == 13) throw std::runtime_error("item 13 is always broken");
  std::this_thread::sleep_for(std::chrono::milliseconds(2));
  WorkResult r;
  r.values = {static_cast<double>(item.seed >> 11)};
  return r;
}

// An island forwards migrants to the next island until they have gone round twice.
caf::behavior island(caf::event_based_actor*, Router router, Layout layout, int k) {
  return {[=](Migrants m) {
    m.genomes.push_back({{k, router.rank()}, {static_cast<double>(m.generation)}});
    ++m.generation;
    if (m.generation == static_cast<std::uint32_t>(2 * layout.num_islands()))
      router.tell(kCollector, m);
    else
      router.tell(layout.next_island(k), m);
  }};
}

void run_rank0(Node& node, caf::scoped_actor& self, const Layout& layout, Checks& checks) {
  StageOptions options;
  options.name = "work-check";
  options.max_attempts = 3;
  options.in_flight_per_worker = 2;
  options.progress_interval_seconds = 0.2;
  const auto ids = ids_to_run(kItems, {0, 1, 2});  // pretend 0..2 were done before
  const StageReport report = run_stage(node, layout.workers(), make_items(ids, kRunSeed, "work-check"), options);
  checks.expect(report.results.size() == ids.size(), "one result per item");
  checks.expect(report.find(1) == nullptr, "resumed IDs were skipped");
  std::set<std::pair<int, int>> workers_used;
  for (const auto& r : report.results) {
    workers_used.insert({r.rank, r.worker});
    if (r.id == 13) continue;
    const std::uint64_t seed = apq::derive_seed(kRunSeed, apq::stream_tag("work-check"), r.id);
    checks.expect(r.status == WorkStatus::ok, "item " + std::to_string(r.id) + " ok: " + r.error);
    checks.expect(r.values == std::vector<double>{static_cast<double>(seed >> 11)},
                  "item " + std::to_string(r.id) + " computed from its own seed");
  }
  checks.expect(static_cast<int>(workers_used.size()) == layout.num_workers(),
                "every worker on every rank got work (" + std::to_string(workers_used.size()) + " of " +
                    std::to_string(layout.num_workers()) + ")");
  const WorkResult* seven = report.find(7);
  checks.expect(seven && seven->status == WorkStatus::ok && seven->attempt == 1, "item 7 succeeded on its retry");
  int seven_failed_on = -1;
  for (const auto& f : report.failed_attempts)
    if (f.id == 7) seven_failed_on = f.rank;
  checks.expect(seven && seven_failed_on >= 0 && seven->rank != seven_failed_on,
                "item 7 was retried on another rank");
  const WorkResult* thirteen = report.find(13);
  checks.expect(thirteen && thirteen->status == WorkStatus::failed &&
                    thirteen->error.find("failed 3 time(s)") != std::string::npos &&
                    thirteen->error.find("always broken") != std::string::npos,
                "item 13 recorded as failed with its reason");
  checks.expect(report.failed == 1, "exactly one item failed");
  // Islands: migrants go round the ring twice, through every rank.
  Migrants m;
  m.from_island = 0;
  node.router().tell(layout.island(0), m);
  bool arrived = false;
  self->receive(
      [&](const Migrants& back) {
        arrived = true;
        std::set<int> ranks;
        for (const auto& g : back.genomes) ranks.insert(g.genes.at(1));
        checks.expect(back.genomes.size() == 2u * layout.num_islands(), "every island added a migrant");
        checks.expect(static_cast<int>(ranks.size()) == node.size(), "migrants visited every rank");
      },
      caf::after(std::chrono::seconds(30)) >> [] {});
  checks.expect(arrived, "migrants came back");
}

}  // namespace

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  {
    Node node(MPI_COMM_WORLD, mpi.provided());
    const Layout layout({node.size(), 2, node.size() + 1});
    for (int i = 0; i < layout.workers_per_rank(); ++i)
      node.add(layout.worker(node.rank(), i).name, spawn_worker(node.system(), compute, node.rank(), i));
    for (const auto& a : layout.islands_on(node.rank()))
      node.add(a.name, node.system().spawn(island, node.router(), layout, std::stoi(a.name.substr(7))));
    std::unique_ptr<caf::scoped_actor> self;
    if (node.rank() == 0) {
      self = std::make_unique<caf::scoped_actor>(node.system());
      node.transport().register_actor(kCollector.name, caf::actor_cast<caf::actor>(*self));
    }
    node.start();
    if (node.rank() == 0) {
      Checks checks;
      run_rank0(node, *self, layout, checks);
      if (!checks.ok()) node.abort(checks.summary());
      std::cout << "work_check: all checks passed on " << node.size() << " ranks" << std::endl;
      node.shutdown_all();
    }
    const int code = node.wait();
    self.reset();
    if (code != 0) return code;
  }
  return 0;
}
