// How fast rank 0's coordinator hands out and records work items: the per-item costs that
// docs/SCALING.md projects to thousands of ranks. Under mpirun, with trivial work (each worker
// answers at once), in one run:
//   local    the items go only to rank 0's own workers (no MPI on the item's path): the baseline;
//   all      the items go to every rank's workers (each item crosses MPI twice);
//   +writer  as "all", and each result is appended to an fp_dataset.h5 as it arrives, written
//            one by one (one HDF5 append per column + flush per item);
//   +batched the same, written in batches at most 0.5 s apart (as collect-fp and collect-quant do).
// Prints items/s and microseconds per item of each, the ratio all / local, and the writer's
// cost per item (+writer minus all).
//   mpirun -np R build/bench/coordinator_bench [ITEMS] [WORKERS_PER_RANK]   (--oversubscribe for R > cores)
#include <mpi.h>

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "actors/worker.hpp"
#include "io/dataset_store.hpp"

using namespace apq;
using namespace apq::actors;
using Clock = std::chrono::steady_clock;

namespace {

struct Timing {
  double seconds = 0;
  std::size_t items = 0;
  double per_second() const { return static_cast<double>(items) / seconds; }
  double micros() const { return 1e6 * seconds / static_cast<double>(items); }
};

Timing run(Node& node, const std::vector<Address>& workers, std::size_t items, const std::string& name,
           const std::function<void(const WorkResult&)>& on_result) {
  std::vector<std::uint64_t> ids(items);
  for (std::size_t i = 0; i < items; ++i) ids[i] = i;
  StageOptions options;
  options.name = name;
  options.progress = [](const std::string&) {};
  options.progress_interval_seconds = 1e9;
  options.on_result = on_result;
  const auto t0 = Clock::now();
  const StageReport report = run_stage(node, workers, make_items(ids, 1, name), options);
  Timing t;
  t.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  t.items = report.results.size();
  return t;
}

void print(const char* what, const Timing& t) {
  std::printf("  %-8s %8zu items in %7.3f s: %9.0f items/s, %7.2f us per item\n", what, t.items, t.seconds, t.per_second(),
              t.micros());
}

}  // namespace

int main(int argc, char** argv) {
  int provided = 0;
  MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided);
  const std::size_t items = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000;
  const int per_rank = argc > 2 ? std::atoi(argv[2]) : 1;
  int code = 0;
  {
    Node node(MPI_COMM_WORLD, provided);
    const Layout layout({node.size(), per_rank, 0});
    const WorkFn trivial = [](const WorkItem& item) {
      WorkResult r;
      r.values = {static_cast<double>(item.id)};
      return r;
    };
    for (int i = 0; i < layout.workers_per_rank(); ++i)
      node.add(layout.worker(node.rank(), i).name, spawn_worker(node.system(), trivial, node.rank(), i));
    node.start();
    if (node.rank() == 0) {
      std::printf("coordinator_bench: %d rank(s), %d worker(s) per rank, %zu items each run\n", node.size(), per_rank, items);
      run(node, layout.workers(), items / 10, "warmup", nullptr);
      const Timing local = run(node, layout.workers_on(0), items, "local", nullptr);
      const Timing all = run(node, layout.workers(), items, "all", nullptr);
      const std::string path = (std::filesystem::temp_directory_path() / ("coordinator_bench_" + std::to_string(::getpid()) + ".h5")).string();
      // Every result appended to an fp_dataset.h5 as it arrives, with `batch_seconds` as the stages set it.
      auto with_writer = [&](double batch_seconds) {
        RunMeta meta;
        meta.seed = 1;
        meta.space = "bench";
        FpDatasetWriter writer(path, meta, 16);
        writer.set_batch_seconds(batch_seconds);
        FpRecord record;
        record.arch = "k3m48 k5m64 | k7m96";
        record.arch_code.assign(16, 0.5f);
        record.score.images = 10000;
        const Timing t = run(node, layout.workers(), items, "written", [&](const WorkResult& r) {
          record.id = static_cast<std::int64_t>(r.id);
          writer.append(record);
        });
        writer.sync();
        std::filesystem::remove(path);
        return t;
      };
      const Timing written = with_writer(0);
      const Timing batched = with_writer(0.5);
      print("local", local);
      print("all", all);
      print("+writer", written);
      print("+batched", batched);
      std::printf("  all / local: %.2f (items/s over MPI from %d ranks vs rank 0's own workers)\n",
                  all.per_second() / local.per_second(), node.size());
      std::printf("  the writer: %.2f us per item written one by one (append + flush), %.2f us in 0.5 s batches; "
                  "the coordinator alone %.2f us per item\n",
                  written.micros() - all.micros(), batched.micros() - all.micros(), all.micros());
      node.shutdown_all();
    }
    code = node.wait();
  }
  MPI_Finalize();
  return code;
}
