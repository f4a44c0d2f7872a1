// Runs the requested pipeline stages on this rank.
#pragma once
#include "launch/options.hpp"
#include "launch/process.hpp"

namespace apq {

// Returns the process exit code (0 when every requested stage finished).
int run_stages(const RunOptions& options, const ProcessInfo& process);

}  // namespace apq
