#include "actors/heartbeat.hpp"

#include <stdexcept>

namespace apq::actors {
namespace {

Heartbeats::Clock::duration seconds(double s) {
  return std::chrono::duration_cast<Heartbeats::Clock::duration>(std::chrono::duration<double>(s));
}

}  // namespace

std::string Heartbeats::settings_problem(double interval_seconds, double timeout_seconds) {
  if (timeout_seconds > 0 && !(interval_seconds > 0 && interval_seconds < timeout_seconds))
    return "the heartbeat interval must be positive and shorter than the heartbeat timeout";
  return "";
}

Heartbeats::Heartbeats(int rank, int size, double interval_seconds, double timeout_seconds, Clock::time_point now)
    : enabled_(timeout_seconds > 0 && size > 1),
      interval_(seconds(interval_seconds)),
      timeout_(seconds(timeout_seconds)),
      last_sent_(now),
      arrivals_(static_cast<std::size_t>(size), 0),
      heard_(static_cast<std::size_t>(size), now) {
  if (const std::string problem = settings_problem(interval_seconds, timeout_seconds); !problem.empty())
    throw std::invalid_argument(problem);
  if (!enabled_) return;
  if (rank == 0)
    for (int r = 1; r < size; ++r) peers_.push_back(r);
  else
    peers_.push_back(0);
}

bool Heartbeats::due(Clock::time_point now) {
  if (!enabled_ || now - last_sent_ < interval_) return false;
  last_sent_ = now;
  return true;
}

std::optional<Heartbeats::Silent> Heartbeats::check(Clock::time_point now) {
  if (!enabled_) return std::nullopt;
  std::optional<Silent> worst;
  for (int r : peers_) {
    const auto i = static_cast<std::size_t>(r);
    if (arrivals_[i] > 0) heard_[i] = now, arrivals_[i] = 0;
    const auto silent = now - heard_[i];
    if (silent <= timeout_) continue;
    const double s = std::chrono::duration<double>(silent).count();
    if (!worst || s > worst->seconds) worst = Silent{r, s};
  }
  return worst;
}

}  // namespace apq::actors
