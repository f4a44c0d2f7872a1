#include "actors/log.hpp"

#include <cstdio>

namespace apq::actors {

void log_line(int rank, const std::string& text) {
  const std::string line = "apq[rank " + std::to_string(rank) + "]: " + text + "\n";
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

}  // namespace apq::actors
