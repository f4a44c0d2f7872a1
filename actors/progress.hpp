// Progress lines of a stage: "collect-fp: 120/1000 (3.4/s, ETA 4m19s)".
#pragma once
#include <cstddef>
#include <string>

namespace apq::actors {

// Seconds as "42s", "4m19s" or "2h05m"; "?" for negative or non-finite values.
std::string format_duration(double seconds);

// `failed` counts items recorded as failed after their last attempt (included in done).
std::string progress_line(const std::string& stage, std::size_t done, std::size_t total,
                          std::size_t failed, double elapsed_seconds);

}  // namespace apq::actors
