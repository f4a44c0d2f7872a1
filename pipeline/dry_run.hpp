// --dry-run: validates a config and prints the plan of the run — work items per stage, ranks
// and roles, memory per rank, estimated compute — without loading data or training anything.
#pragma once
#include <string>

#include "app/options.hpp"

namespace apq {

// `ranks` is the job size the plan is made for (the MPI world size of the dry run).
std::string dry_run_plan(const RunOptions& options, int ranks);

}  // namespace apq
