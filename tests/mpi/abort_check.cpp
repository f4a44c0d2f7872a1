// A rank that fails takes the whole job down promptly, saying which rank and why. Rank 0
// runs a stage that would take minutes; the last rank fails half a second in. Run by
// expect_failure.sh, which checks a non-zero exit within a time limit and the message.
// Mode "throw": an exception in the last rank's main; mode "actor": an actor there dies.
#include <chrono>
#include <iostream>
#include <thread>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "actors/worker.hpp"
#include "tests/mpi/mpi_check.hpp"

using namespace apq::actors;
using namespace apq::actors::testing;

int main(int argc, char** argv) {
  MpiSession mpi(argc, argv);
  const std::string mode = argc > 1 ? argv[1] : "throw";
  Node node(MPI_COMM_WORLD, mpi.provided());
  try {
    const Layout layout({node.size(), 1, 0});
    const WorkFn slow = [](const WorkItem&) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      return WorkResult{};
    };
    node.add(layout.worker(node.rank(), 0).name, spawn_worker(node.system(), slow, node.rank(), 0));
    node.add("fragile", node.system().spawn([](caf::event_based_actor* self) -> caf::behavior {
      return {[self](const Ping&) { self->quit(caf::make_error(caf::sec::runtime_error, "injected actor failure")); }};
    }));
    node.start();
    const int last = node.size() - 1;
    if (node.rank() == 0) {
      StageOptions options;
      options.name = "endless";
      options.progress_interval_seconds = 0.5;
      run_stage(node, layout.workers(), make_items(ids_to_run(100000, {}), 1, "endless"), options);
      node.shutdown_all();
    } else if (node.rank() == last) {
      std::this_thread::sleep_for(std::chrono::milliseconds(500));
      if (mode == "actor") caf::anon_send(node.transport().find_actor("fragile"), Ping{});
      else throw std::runtime_error("injected failure in main");
    }
    return node.wait();
  } catch (const std::exception& e) {
    node.abort(e.what());
  }
}
