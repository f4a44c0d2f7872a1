#include "actors/progress.hpp"

#include <cmath>
#include <cstdio>

namespace apq::actors {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const long s = std::lround(seconds);
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%lds", s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%ldm%02lds", s / 60, s % 60);
  else
    std::snprintf(buf, sizeof buf, "%ldh%02ldm", s / 3600, (s % 3600) / 60);
  return buf;
}

std::string progress_line(const std::string& stage, std::size_t done, std::size_t total,
                          std::size_t failed, double elapsed_seconds) {
  const double rate = elapsed_seconds > 0 ? static_cast<double>(done) / elapsed_seconds : 0.0;
  std::string eta;
  if (done >= total)
    eta = "done in " + format_duration(elapsed_seconds);
  else if (rate > 0)
    eta = "ETA " + format_duration(static_cast<double>(total - done) / rate);
  else
    eta = "ETA ?";
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, rate < 10 ? "%.2f/s" : "%.1f/s", rate);
  std::string line = stage + ": " + std::to_string(done) + "/" + std::to_string(total) + " (" +
                     rate_text + ", " + eta;
  if (failed > 0) line += ", " + std::to_string(failed) + " failed";
  return line + ")";
}

}  // namespace apq::actors
