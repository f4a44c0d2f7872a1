#include "actors/layout.hpp"

#include <stdexcept>

namespace apq::actors {

Layout::Layout(LayoutConfig config) : config_(config) {
  if (config.ranks < 1)
    throw std::invalid_argument("layout: ranks must be >= 1, got " + std::to_string(config.ranks));
  if (config.workers_per_rank < 0)
    throw std::invalid_argument("layout: workers_per_rank must be >= 0, got " +
                                std::to_string(config.workers_per_rank));
  if (config.islands < 0)
    throw std::invalid_argument("layout: islands must be >= 0, got " +
                                std::to_string(config.islands));
}

void Layout::check_rank(int rank) const {
  if (rank < 0 || rank >= config_.ranks)
    throw std::out_of_range("layout: rank " + std::to_string(rank) + " outside 0.." +
                            std::to_string(config_.ranks - 1));
}

Address Layout::worker(int rank, int index) const {
  check_rank(rank);
  if (index < 0 || index >= config_.workers_per_rank)
    throw std::out_of_range("layout: worker index " + std::to_string(index) + " outside 0.." +
                            std::to_string(config_.workers_per_rank - 1));
  return {rank, "worker." + std::to_string(rank) + "." + std::to_string(index)};
}

Address Layout::island(int k) const {
  if (k < 0 || k >= config_.islands)
    throw std::out_of_range("layout: island " + std::to_string(k) + " outside 0.." +
                            std::to_string(config_.islands - 1));
  return {k % config_.ranks, "island." + std::to_string(k)};
}

std::vector<Address> Layout::workers() const {
  std::vector<Address> all;
  for (int i = 0; i < config_.workers_per_rank; ++i)
    for (int r = 0; r < config_.ranks; ++r) all.push_back(worker(r, i));
  return all;
}

std::vector<Address> Layout::workers_on(int rank) const {
  check_rank(rank);
  std::vector<Address> mine;
  for (int i = 0; i < config_.workers_per_rank; ++i) mine.push_back(worker(rank, i));
  return mine;
}

std::vector<Address> Layout::islands() const {
  std::vector<Address> all;
  for (int k = 0; k < config_.islands; ++k) all.push_back(island(k));
  return all;
}

std::vector<Address> Layout::islands_on(int rank) const {
  check_rank(rank);
  std::vector<Address> mine;
  for (int k = rank; k < config_.islands; k += config_.ranks) mine.push_back(island(k));
  return mine;
}

Address Layout::next_island(int k) const { return island((k + 1) % config_.islands); }

std::vector<Address> Layout::roles_on(int rank) const {
  check_rank(rank);
  std::vector<Address> roles;
  if (rank == coordinator().rank) roles.push_back(coordinator());
  for (auto& a : workers_on(rank)) roles.push_back(a);
  for (auto& a : islands_on(rank)) roles.push_back(a);
  return roles;
}

}  // namespace apq::actors
