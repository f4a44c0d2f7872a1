// Shared by the programs run under mpirun: MPI start-up for tests (app/process.hpp does
// it for the real program) and a small failure collector. A failed check ends the job with
// node.abort(...), so mpirun exits non-zero and ctest reports the failure.
#pragma once
#include <mpi.h>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

namespace apq::actors::testing {

class MpiSession {
 public:
  MpiSession(int& argc, char**& argv) {
    MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided_);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &size_);
  }
  ~MpiSession() { MPI_Finalize(); }
  int provided() const { return provided_; }
  int rank() const { return rank_; }
  int size() const { return size_; }

 private:
  int provided_ = 0, rank_ = 0, size_ = 1;
};

class Checks {
 public:
  void expect(bool ok, const std::string& what) {
    if (!ok) failures_.push_back(what);
  }
  bool ok() const { return failures_.empty(); }
  std::string summary() const {
    std::string s = std::to_string(failures_.size()) + " check(s) failed:";
    for (const auto& f : failures_) s += "\n  " + f;
    return s;
  }

 private:
  std::vector<std::string> failures_;
};

}  // namespace apq::actors::testing
