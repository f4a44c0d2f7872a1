// The pipeline's stages, in order: one row each. The command line's --stage, the driver
// (pipeline/stages.cpp), the dry run and the stage clock all loop over this table, so a new stage
// is one row here plus its function (pipeline/stages.hpp) and its dry-run estimate
// (pipeline/dry_run.hpp).
#pragma once
#include <mpi.h>

#include <string>
#include <vector>

#include "pipeline/run_context.hpp"

namespace apq {

namespace actors {
class Node;
}  // namespace actors
struct DryRunSizes;  // pipeline/dry_run.hpp

// What a stage may use besides the run context: the rank's actor node (work items, islands) and
// the communicator of training's all-reduces (apart from the transport's traffic).
struct StageEnv {
  actors::Node& node;
  MPI_Comm train_comm;
};

// What the dry run shows for a stage: its work in words and its floating-point operations.
struct StageEstimate {
  std::string work;
  double flop = 0;
};

struct Stage {
  const char* name;  // --stage NAME; also in the stage times and the dry run
  // true: every rank runs it together (SPMD); false: rank 0 drives it while the other ranks
  // serve their actors. Every-rank stages come first.
  bool every_rank;
  // true: it runs in the search scenario's folder, with the scenario's cost table.
  bool in_scenario;
  void (*run)(const RunContext&, StageEnv&);
  StageEstimate (*estimate)(const DryRunSizes&);
};

const std::vector<Stage>& pipeline_stages();

// Throws UsageError (one line listing the choices) unless `stage` is "all" or a stage's name.
void check_stage_name(const std::string& stage);

}  // namespace apq
