// The pipeline's stage functions and its driver. Which stages there are, their order and which
// ranks run them: pipeline/stage_table.hpp.
#pragma once
#include <mpi.h>

#include "pipeline/run_context.hpp"
#include "pipeline/stage_table.hpp"

namespace apq {

// Runs the requested stages; returns the process exit code (0 when every stage finished).
int run_stages(const RunOptions& options, const ProcessInfo& process);

// A cost table from the config's cost.table at `path` (the run's costs.h5 for the collection, the
// scenario's for the search): made on rank 0 on first use, read by every rank.
void prepare_cost_table(const RunContext& ctx, const std::string& path);

// The stages, in pipeline/stage_table.cpp's order; each skips work already on disk (resume).
// train: every rank together (data parallel; gradients summed over env.train_comm).
void train_stage(const RunContext& ctx, StageEnv& env);
// collect-fp, collect-quant, finalize: rank 0 hands out items to every worker and writes results.
void collect_fp_stage(const RunContext& ctx, StageEnv& env);
void collect_quant_stage(const RunContext& ctx, StageEnv& env);
void finalize_stage(const RunContext& ctx, StageEnv& env);
// predictor: the predictor ensembles on rank 0.
void predictor_stage(const RunContext& ctx, StageEnv& env);
// search: rank 0 starts the islands on every rank and gathers their best.
void search_stage(const RunContext& ctx, StageEnv& env);
// report: the run report over every finalized scenario (report.h5, report.md and charts), rank 0.
void report_stage(const RunContext& ctx, StageEnv& env);
// The quantization-aware predictor again, transferred from the stored full-precision one, on
// every pair quant_dataset.h5 now holds (after a search round added some). Rank 0.
void retrain_quant_predictor(const RunContext& ctx);

}  // namespace apq
