// The pipeline stages. Each is called on every rank in pipeline order; each decides which
// ranks do what (SPMD training on all ranks; work items handed out from rank 0 to workers on
// every rank; islands on every rank), and skips work already on disk (resume).
#pragma once
#include <mpi.h>

#include "pipeline/run_context.hpp"

namespace apq {
namespace actors {
class Node;
}  // namespace actors

// Runs the requested stages; returns the process exit code (0 when every stage finished).
int run_stages(const RunOptions& options, const ProcessInfo& process);

// A cost table from the config's cost.table at `path` (the run's costs.h5 for the collection, the
// scenario's for the search): made on rank 0 on first use, read by every rank.
void prepare_cost_table(const RunContext& ctx, const std::string& path);

// Stage 1 on every rank (data parallel; gradients summed over `comm`).
void train_stage(const RunContext& ctx, MPI_Comm comm);
// Stages 2, 3 and the final fine-tune: rank 0 hands out items to every worker and writes results.
void collect_fp_stage(const RunContext& ctx, actors::Node& node);
void collect_quant_stage(const RunContext& ctx, actors::Node& node);
void finalize_stage(const RunContext& ctx, actors::Node& node);
// The run report over every finalized scenario (report.h5, report.md and charts). Rank 0.
void report_stage(const RunContext& ctx);
// Stages 4-5 on rank 0.
void predictor_stage(const RunContext& ctx);
// The quantization-aware predictor again, transferred from the stored full-precision one, on
// every pair quant_dataset.h5 now holds (after a search round added some). Rank 0.
void retrain_quant_predictor(const RunContext& ctx);
// Stage 7: rank 0 starts the islands on every rank and gathers their best.
void search_stage(const RunContext& ctx, actors::Node& node);

}  // namespace apq
