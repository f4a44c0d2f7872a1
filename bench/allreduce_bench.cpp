// What data-parallel training pays per step for its gradient all-reduce (pipeline/stage_train.cpp:
// one MPI_Allreduce(MPI_SUM) in place over every gradient, as floats), against message size and
// rank count: the input docs/SCALING.md projects training's efficiency from. In one run:
//   allreduce  MPI_Allreduce in place on S floats, median of the repetitions (a barrier before each);
//   local sum  rank 0 alone adding R buffers of S floats: the arithmetic any reduction must do, the
//              baseline (ratio = allreduce / local sum);
// and the latency (smallest size) and best bus bandwidth that docs/SCALING.md's model uses.
//   mpirun -np R build/bench/allreduce_bench [--reps N] [--max-floats N]   (--oversubscribe for R > cores;
//   --mca btl tcp,self sends everything over TCP, as between nodes)
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using Clock = std::chrono::steady_clock;

namespace {

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Median seconds of one in-place all-reduce of n floats (every rank takes part).
double time_allreduce(std::vector<float>& data, std::size_t n, int reps) {
  std::vector<double> times;
  for (int r = 0; r < reps + 2; ++r) {  // two warm-up rounds
    std::fill(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(n), 1.0f);
    MPI_Barrier(MPI_COMM_WORLD);
    const auto t0 = Clock::now();
    MPI_Allreduce(MPI_IN_PLACE, data.data(), static_cast<int>(n), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
    const double t = seconds_since(t0);
    if (r >= 2) times.push_back(t);
  }
  // The slowest rank decides when the step can go on.
  double mine = median(times), slowest = 0;
  MPI_Allreduce(&mine, &slowest, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
  return slowest;
}

// Median seconds for one rank to add `ranks` buffers of n floats into one.
double time_local_sum(std::vector<std::vector<float>>& buffers, std::size_t n, int reps) {
  std::vector<double> times;
  for (int r = 0; r < reps + 2; ++r) {
    const auto t0 = Clock::now();
    float* out = buffers[0].data();
    for (std::size_t b = 1; b < buffers.size(); ++b) {
      const float* in = buffers[b].data();
      for (std::size_t i = 0; i < n; ++i) out[i] += in[i];
    }
    const double t = seconds_since(t0);
    if (r >= 2) times.push_back(t);
  }
  return median(times);
}

}  // namespace

int main(int argc, char** argv) {
  MPI_Init(&argc, &argv);
  int rank = 0, ranks = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &ranks);
  int reps = 20;
  std::size_t max_floats = std::size_t(1) << 24;  // 64 MiB
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--reps" && i + 1 < argc) reps = std::max(1, std::atoi(argv[++i]));
    else if (a == "--max-floats" && i + 1 < argc) max_floats = std::max<std::size_t>(1024, std::strtoull(argv[++i], nullptr, 10));
    else {
      if (rank == 0) std::fprintf(stderr, "allreduce_bench: unknown argument '%s' (--reps N, --max-floats N)\n", argv[i]);
      MPI_Finalize();
      return 2;
    }
  }
  std::vector<float> data(max_floats);
  std::vector<std::vector<float>> buffers;
  if (rank == 0) buffers.assign(static_cast<std::size_t>(ranks), std::vector<float>(max_floats, 1.0f));
  if (rank == 0)
    std::printf("allreduce_bench: %d ranks, in-place MPI_Allreduce(MPI_SUM) of float32, median of %d\n"
                "%12s %12s %12s %14s %14s\n",
                ranks, reps, "bytes", "allreduce us", "local sum us", "allreduce/sum", "bus GB/s");
  std::vector<double> xs, ys;
  for (std::size_t n = 1024; n <= max_floats; n *= 4) {
    const double t = time_allreduce(data, n, reps);
    const double bytes = 4.0 * static_cast<double>(n);
    xs.push_back(bytes);
    ys.push_back(t);
    if (rank != 0) continue;
    const double local = time_local_sum(buffers, n, std::max(3, reps / 4));
    // Bus bandwidth: what each rank sends and receives in a ring all-reduce, per second.
    const double bus = 2.0 * (ranks - 1) / ranks * bytes / t / 1e9;
    std::printf("%12.0f %12.1f %12.1f %14.2f %14.2f\n", bytes, 1e6 * t, 1e6 * local, local > 0 ? t / local : 0.0, bus);
  }
  if (rank == 0 && !xs.empty()) {
    // The model's inputs: latency from the smallest message, bandwidth at the size that reaches the most.
    std::size_t best = 0;
    for (std::size_t i = 1; i < xs.size(); ++i)
      if (xs[i] / ys[i] > xs[best] / ys[best]) best = i;
    const double bus = 2.0 * (ranks - 1) / ranks * xs[best] / ys[best] / 1e9;
    std::printf("model inputs: alpha %.1f us (smallest size), bus bandwidth %.2f GB/s (best, at %.0f bytes)\n", 1e6 * ys.front(),
                bus, xs[best]);
  }
  MPI_Finalize();
  return 0;
}
