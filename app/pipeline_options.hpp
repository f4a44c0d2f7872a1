// Options of the pipeline stages ([runtime], [train], [collect-fp], [collect-quant], [predictor],
// [cost], [search], [finalize]), mapped onto the kernels' own config structs.
#pragma once
#include <boost/program_options/options_description.hpp>
#include <string>
#include <vector>

#include "kernels/evolution.hpp"
#include "kernels/predictor.hpp"
#include "kernels/quant_jobs.hpp"
#include "kernels/supernet_jobs.hpp"

namespace apq {

struct RuntimeOptions {
  int workers_per_rank = 1;      // work-item workers on every rank
  int max_attempts = 3;          // tries per work item before it is recorded as failed
  double progress_seconds = 10;  // between progress lines
  // Liveness between ranks (actors/heartbeat.hpp): a rank silent for longer than the timeout
  // stops the job with one line naming it and its node, instead of a silent hang. 0 = off.
  double heartbeat_seconds = 1;
  double heartbeat_timeout = 30;
  // Backup tasks (actors/coordinator.hpp): an item in flight longer than backup_factor x the
  // median finished item, and at least backup_min_seconds, gets a second copy on an idle worker.
  double backup_factor = 4;
  double backup_min_seconds = 5;
};

struct CollectFpOptions {
  int samples = 200;  // <architecture, accuracy> pairs
  EvalOptions eval;
};

struct CollectQuantOptions {
  int samples = 40;            // <architecture, policy, accuracy> triples
  int policies_per_arch = 10;  // for the half that shares architectures
  std::string policy_sampling = "leveled";  // "leveled" (SearchSpace::sample_leveled_policy) or "uniform"
  // Also score the same subnet unquantized (the fp_accuracy column): a full-precision label's
  // cost again per item, for a figure nothing downstream reads, so off by default.
  bool fp_accuracy = false;
  QuantJobConfig job;
};

struct PredictorStageOptions {
  std::vector<int> hidden{400, 400, 400};
  // What the predictors learn: "auto" (the target whose labels have the highest split-half
  // reliability, kernels/label_reliability.hpp), "top1", "loss" or "blend".
  std::string label_target = "auto";
  int members = 5;     // predictors per ensemble; their spread is the prediction's uncertainty
  int cv_folds = 0;    // K-fold cross-validation of every predictor beside its held-out split (0: off)
  bool bitops_input = true;  // the quantization-aware predictors also take log2(BitOps) (kernels/predictor.hpp)
  TrainOptions fp;     // full-precision predictor on the fp dataset
  TrainOptions quant;  // transferred (and from-scratch baseline) on the quant dataset
};

struct CostOptions {
  std::string table = "bitfusion";  // bitfusion (analytic model), host (measured here), or a costs.h5 path
};

struct SearchOptions {
  EvolutionConfig evolution;
  int generations = 100;
  int islands = 2;          // in total, placed round-robin over ranks; 0: one per rank (then results depend on the rank count)
  int migrate_every = 5;    // generations between migrations
  int emigrants = 5;
  std::string topology = "ring";  // ring, full, random-K
  std::string emigrant_selection = "best";  // best, random
  std::string replacement = "worst";        // worst, random
  int results = 10;         // best individuals kept in search.h5
  bool baselines = true;    // also search the baselines (pipeline/search_baselines.hpp); finalize measures them
  // Fitness = ensemble mean - uncertainty_penalty * ensemble std (kernels/predictor_ensemble.hpp):
  // 1 keeps the search where the predictors agree; 0 trusts the mean wherever it points.
  double uncertainty_penalty = 1.0;
  // Search rounds: after each round but the last, its best `round_items` candidates are measured
  // as collect-quant measures items (quant_dataset.h5, kind search_round) and the
  // quantization-aware predictor is retrained on them before the next round searches.
  int rounds = 1;
  int round_items = 8;
  // "budget": one search for the scenario's budget; "pareto": one front of predicted accuracy
  // against pareto_axis for every budget, each scenario answered from it (pipeline/search_front.hpp).
  // Converted into evolution.objective and evolution.pareto_axis.
  std::string mode = "budget";
  std::string pareto_axis = "latency";
};

struct FinalizeOptions {
  int top_k = 3;  // best searched candidates fine-tuned and evaluated
  // The N best labelled items (highest quantized label) are also fine-tuned with this recipe:
  // their mean gain over their labels turns every prediction into a forecast of the finalized
  // network (0: off; pipeline/finetune_gain.hpp).
  int gain_items = 0;
  QuantJobConfig job;
};

// The report stage (pipeline/stage_report.cpp): the transfer curve's training-pair counts (capped at
// the quantized training split, which is always included) and seeds per count.
struct ReportOptions {
  std::vector<int> curve_pairs{25, 50, 100, 200};
  int curve_seeds = 5;
};

struct PipelineOptions {
  RuntimeOptions runtime;
  TrainConfig train;
  CollectFpOptions collect_fp;
  CollectQuantOptions collect_quant;
  PredictorStageOptions predictor;
  CostOptions cost;
  SearchOptions search;
  FinalizeOptions finalize;
  ReportOptions report;
};

// Raw text of list-valued keys, converted by finish_pipeline_options so errors name the key.
struct PipelineText {
  std::string phase_steps, phase_lr, hidden, curve_pairs, fp_precision = "fp32";
};

// Adds every pipeline section to `keys`, with the current values of `o` as defaults.
void add_pipeline_options(boost::program_options::options_description& keys, PipelineOptions& o, PipelineText& text);
// Converts lists and checks ranges; throws UsageError naming the key.
void finish_pipeline_options(PipelineOptions& o, const PipelineText& text, std::uint64_t seed);

}  // namespace apq
