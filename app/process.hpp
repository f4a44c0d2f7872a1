// Process set-up shared by every binary: allocator settings, MPI start and stop, threads per
// rank, and one log line per rank. See ../shared/docs/STACK.md for why each setting matters.
#pragma once
#include <string>

namespace apq {

// glibc malloc settings that keep LibTorch's large tensors from being mmap'ed and unmapped
// every step (about 2.7x faster training here). Call first thing in main().
void tune_allocator();

// OpenMP's default spinning wait makes LibTorch collapse on a loaded machine (a BatchNorm 100x
// slower measured here), and libgomp reads OMP_WAIT_POLICY only when it loads: if it is not set,
// set it to PASSIVE and re-execute this program (same pid and arguments), before MPI starts.
void ensure_passive_openmp(char** argv);

// The rank as the launcher announces it before MPI starts (mpirun, srun); 0 when unknown.
int launcher_rank();

struct ProcessInfo {
  int rank = 0;
  int size = 1;
  int local_rank = 0;  // among the ranks on this node
  int local_size = 1;
  int threads = 1;     // compute threads of this rank
  int mpi_thread_level = 0;  // what MPI_Init_thread provided
  std::string host;
};

// Owns MPI for the life of the process: MPI_Init_thread(MPI_THREAD_MULTIPLE) on construction,
// MPI_Finalize on destruction.
class Process {
 public:
  Process(int& argc, char**& argv);
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  // Sets the compute threads (0: cores on the node / ranks on the node, or the Slurm
  // allocation's CPUs per task) and prints the rank's log line.
  void configure_threads(int requested);
  const ProcessInfo& info() const { return info_; }

  // Stops every rank of the job (last resort after an error on one rank).
  [[noreturn]] static void abort_all(int exit_code);

 private:
  ProcessInfo info_;
};

std::string thread_level_name(int level);

}  // namespace apq
