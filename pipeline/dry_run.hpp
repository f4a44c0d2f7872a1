// --dry-run: validates a config and prints the plan of the run — work items per stage, ranks
// and roles, memory per rank, estimated compute — without loading data or training anything.
#pragma once
#include <string>

#include "app/options.hpp"
#include "pipeline/stage_table.hpp"

namespace apq {

// The size of the largest or smallest subnet: multiply-accumulates and weights per image, and
// its largest activation (values).
struct NetSize {
  double macs = 0, weights = 0, largest_activation = 0;
};

// What every stage's estimate is made from.
struct DryRunSizes {
  const RunOptions& options;
  int islands = 1;
  NetSize big, small;
  double mean_macs = 0;       // of the largest and the smallest subnet
  double predictor_macs = 0;  // one predictor forward pass
};

// Bytes of image data a rank holds: every set in memory, or, with data.stream, labels, file rows,
// HDF5's cache and the images in use at once.
double data_bytes_per_rank(const RunOptions& options);

// Each stage's work and floating-point operations (a row of pipeline/stage_table.cpp).
StageEstimate estimate_train(const DryRunSizes& sizes);
StageEstimate estimate_collect_fp(const DryRunSizes& sizes);
StageEstimate estimate_collect_quant(const DryRunSizes& sizes);
StageEstimate estimate_predictor(const DryRunSizes& sizes);
StageEstimate estimate_search(const DryRunSizes& sizes);
StageEstimate estimate_finalize(const DryRunSizes& sizes);
StageEstimate estimate_report(const DryRunSizes& sizes);

// `ranks` is the job size the plan is made for (the MPI world size of the dry run).
std::string dry_run_plan(const RunOptions& options, int ranks);

}  // namespace apq
