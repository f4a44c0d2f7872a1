// Where each named role runs, computed from config values alone, so every rank computes the
// same placement without talking to the others:
//   coordinator  rank 0, "coordinator"
//   workers      workers_per_rank on every rank, "worker.<rank>.<index>"
//   islands      island k on rank k % ranks, "island.<k>"
#pragma once
#include <string>
#include <vector>

#include "actors/router.hpp"

namespace apq::actors {

struct LayoutConfig {
  int ranks = 1;
  int workers_per_rank = 1;
  int islands = 0;
};

class Layout {
 public:
  // Throws std::invalid_argument naming the bad value (ranks < 1, negative counts).
  explicit Layout(LayoutConfig config);

  int ranks() const { return config_.ranks; }
  int workers_per_rank() const { return config_.workers_per_rank; }
  int num_workers() const { return config_.ranks * config_.workers_per_rank; }
  int num_islands() const { return config_.islands; }

  Address coordinator() const { return {0, "coordinator"}; }
  Address worker(int rank, int index) const;  // throws std::out_of_range
  Address island(int k) const;                // throws std::out_of_range
  // Every worker, ordered index-major (worker.0.0, worker.1.0, ..., worker.0.1, ...) so that
  // handing out work in this order spreads it over the ranks first.
  std::vector<Address> workers() const;
  std::vector<Address> workers_on(int rank) const;
  std::vector<Address> islands() const;
  std::vector<Address> islands_on(int rank) const;
  // The island after k in the ring (migration neighbour).
  Address next_island(int k) const;
  // Every role placed on a rank (coordinator, workers, islands), for start-up and logs.
  std::vector<Address> roles_on(int rank) const;

 private:
  void check_rank(int rank) const;
  LayoutConfig config_;
};

}  // namespace apq::actors
