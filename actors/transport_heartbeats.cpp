// The transport's side of liveness (actors/heartbeat.hpp): node names for the line that names a
// lost rank, heartbeats sent from the transport thread, and the stop when a watched rank is silent.
#include <unistd.h>

#include <array>
#include <cstdio>

#include "actors/heartbeat.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/transport.hpp"

namespace apq::actors {

// Collective (from the constructor): rank 0 learns every rank's host, every rank rank 0's.
void Transport::gather_node_names() {
  constexpr int kNameBytes = 64;
  std::array<char, kNameBytes> mine{};
  gethostname(mine.data(), kNameBytes - 1);
  std::vector<char> all(rank_ == 0 ? static_cast<std::size_t>(size_) * kNameBytes : 0);
  MPI_Gather(mine.data(), kNameBytes, MPI_CHAR, all.data(), kNameBytes, MPI_CHAR, 0, comm_);
  std::array<char, kNameBytes> root = mine;
  MPI_Bcast(root.data(), kNameBytes, MPI_CHAR, 0, comm_);
  node_names_.assign(static_cast<std::size_t>(size_), "");
  node_names_[static_cast<std::size_t>(rank_)] = mine.data();
  node_names_[0] = root.data();
  if (rank_ == 0)
    for (int r = 0; r < size_; ++r) node_names_[static_cast<std::size_t>(r)] = &all[static_cast<std::size_t>(r) * kNameBytes];
}

void Transport::keep_heartbeats() {
  rounds_since_heartbeat_ = 0;
  if (!heartbeats_ || !heartbeats_->enabled()) return;
  const auto now = std::chrono::steady_clock::now();
  if (heartbeats_->due(now)) {
    for (int peer : heartbeats_->peers()) {
      EnvelopeHeader h;
      h.src_rank = rank_;
      h.dst_rank = peer;
      h.type_id = Ping::type_id;
      h.dst_name = kTransportName;
      isend(peer, make_envelope(h, Ping{0, rank_}));
    }
  }
  if (const auto silent = heartbeats_->check(now)) {
    char text[96];
    std::snprintf(text, sizeof text, " sent nothing for %.1f s (stopped, hung or lost; heartbeat timeout %g s)",
                  silent->seconds, options_.heartbeat_timeout_seconds);
    const std::string& node = node_names_[static_cast<std::size_t>(silent->rank)];
    const std::string reason = "rank " + std::to_string(silent->rank) + (node.empty() ? "" : " on node " + node) +
                               text + ": completed results are on disk, rerun the same command to resume";
    log_line(rank_, "FATAL: " + reason + " -- stopping all ranks");
    abort_from_thread(reason, kExitRankLost);
  }
}

}  // namespace apq::actors
