// Liveness between ranks, kept by each rank's transport thread: rank 0 watches every other rank,
// every other rank watches rank 0 (a star: 2(N-1) small messages per interval in the job). A rank
// is heard from when anything of it arrives; a watcher with nothing else to say sends a heartbeat
// every interval. A watched rank silent for longer than the timeout (a stopped, hung or lost
// process or node) is reported, and the transport stops the whole job with one line naming it,
// instead of waiting forever. Plain logic on a caller-given clock, so tests need no MPI and no sleep.
#pragma once
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace apq::actors {

class Heartbeats {
 public:
  using Clock = std::chrono::steady_clock;

  // What is wrong with the settings ("" when nothing): with a positive timeout, the interval
  // must be positive and shorter than it.
  static std::string settings_problem(double interval_seconds, double timeout_seconds);

  // timeout_seconds <= 0: watch nobody (heartbeats off). Throws std::invalid_argument with the
  // settings' problem.
  Heartbeats(int rank, int size, double interval_seconds, double timeout_seconds, Clock::time_point now);

  bool enabled() const { return enabled_; }
  // Counts an arrival from `source` (cheap: no clock read; check() stamps it).
  void arrived(int source) {
    if (source >= 0 && source < static_cast<int>(arrivals_.size())) ++arrivals_[static_cast<std::size_t>(source)];
  }
  // The ranks this one sends heartbeats to (whom it is watched by).
  const std::vector<int>& peers() const { return peers_; }
  // True when a heartbeat is due at `now` (at most once per interval); marks it sent.
  bool due(Clock::time_point now);
  // Stamps the arrivals counted since the last check; returns a watched rank silent for longer
  // than the timeout at `now`, if any (the longest silent one), and how long it has been silent.
  struct Silent {
    int rank = -1;
    double seconds = 0;
  };
  std::optional<Silent> check(Clock::time_point now);

 private:
  bool enabled_ = false;
  Clock::duration interval_{}, timeout_{};
  Clock::time_point last_sent_;
  std::vector<int> peers_;                 // watched ranks are the same set
  std::vector<std::uint64_t> arrivals_;    // per rank, since the last check
  std::vector<Clock::time_point> heard_;   // per rank, last stamped arrival
};

}  // namespace apq::actors
