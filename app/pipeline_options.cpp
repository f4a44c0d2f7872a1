#include "app/pipeline_options.hpp"

#include <boost/program_options.hpp>
#include <cmath>
#include <sstream>

#include "app/option_lists.hpp"
#include "app/options.hpp"
#include "kernels/island_ops.hpp"
#include "kernels/label_reliability.hpp"

namespace po = boost::program_options;

namespace apq {
namespace {

// One key bound to a variable, its current value as the default.
template <class T>
void key(po::options_description& d, const std::string& name, T& value, const char* help) {
  d.add_options()(name.c_str(), po::value(&value)->default_value(value), help);  // the name is copied
}

void require(bool ok, const std::string& message) {
  if (!ok) throw UsageError(message);
}

void add_eval_keys(po::options_description& d, const std::string& section, EvalOptions& e) {
  auto name = [&](const char* k) { return section + "." + k; };
  key(d, name("calib-images"), e.calib_images, "training images for BatchNorm re-calibration of each subnet");
  key(d, name("eval-images"), e.eval_images, "validation images each subnet is scored on (0: the whole split)");
}

void add_quant_job_keys(po::options_description& d, const char* section, QuantJobConfig& q) {
  auto name = [&](const char* k) { return std::string(section) + "." + k; };
  key(d, name("bn-images"), q.bn_images, "training images for BatchNorm re-estimation");
  key(d, name("calib-images"), q.calib_images, "training images for activation ranges");
  key(d, name("finetune-steps"), q.finetune_steps, "quantization-aware fine-tuning steps (0: calibrate only)");
  key(d, name("batch-size"), q.batch_size, "fine-tuning batch size");
  key(d, name("lr"), q.lr, "peak learning rate (cosine decay, SGD Nesterov)");
  key(d, name("eval-images"), q.eval_images, "validation images scored (0: the whole split)");
  key(d, name("per-tensor-weights"), q.per_tensor_weights, "weight ranges per tensor instead of per output channel");
}

void check_quant_job(const char* section, const QuantJobConfig& q) {
  const std::string s = section;
  require(q.bn_images > 0 && q.calib_images > 0, s + ".bn-images and calib-images must be positive");
  require(q.finetune_steps >= 0 && q.batch_size > 0, s + ".finetune-steps must be >= 0 and batch-size positive");
  require(q.lr > 0 && q.eval_images >= 0, s + ".lr must be positive and eval-images >= 0");
}

}  // namespace

void add_pipeline_options(po::options_description& keys, PipelineOptions& o, PipelineText& text) {
  po::options_description runtime("Actor runtime [runtime]");
  key(runtime, "runtime.workers-per-rank", o.runtime.workers_per_rank, "work-item workers on every rank");
  key(runtime, "runtime.max-attempts", o.runtime.max_attempts, "tries per work item (on other workers) before it is recorded as failed");
  key(runtime, "runtime.progress-seconds", o.runtime.progress_seconds, "seconds between progress lines");
  key(runtime, "runtime.heartbeat-seconds", o.runtime.heartbeat_seconds, "seconds between heartbeats of the ranks");
  key(runtime, "runtime.heartbeat-timeout", o.runtime.heartbeat_timeout,
      "a rank silent this many seconds (stopped, hung, lost) stops the job with a line naming it; 0 = off");
  key(runtime, "runtime.backup-factor", o.runtime.backup_factor,
      "an item in flight this many times longer than the median finished item gets a backup copy on an idle worker "
      "(the first result wins); 0 = off");
  key(runtime, "runtime.backup-min-seconds", o.runtime.backup_min_seconds, "no backup copy for an item in flight less than this");

  TrainConfig& t = o.train;
  text.phase_steps = join_ints(std::vector<int>(t.phase_steps.begin(), t.phase_steps.end()));
  text.phase_lr = join_doubles(t.phase_lr);
  po::options_description train("Supernet training [train]");
  key(train, "train.phase-steps", text.phase_steps, "steps of the phases largest, kernel, depth, width (0 skips a phase)");
  key(train, "train.phase-lr", text.phase_lr, "peak learning rate of each phase (cosine decay)");
  key(train, "train.batch-size", t.batch_size, "global batch size over all ranks");
  key(train, "train.micro-batches", t.micro_batches, "fixed split of each batch (BatchNorm statistics per micro-batch); a multiple of the rank count keeps every rank busy");
  key(train, "train.momentum", t.momentum, "SGD Nesterov momentum");
  key(train, "train.weight-decay", t.weight_decay, "weight decay of conv and classifier weights");
  key(train, "train.train-smallest", t.train_smallest, "sandwich rule: each step also trains the smallest subnet opened so far");
  key(train, "train.distill", t.distill, "in-place distillation from the largest subnet");
  key(train, "train.augment", t.augment, "random crop and horizontal flip");
  key(train, "train.checkpoint-every", t.checkpoint_every, "steps between checkpoints (also after each phase)");
  key(train, "train.progress-every", t.progress_every, "steps between progress lines");

  po::options_description fp("Full-precision accuracy data [collect-fp]");
  key(fp, "collect-fp.samples", o.collect_fp.samples, "random subnets evaluated");
  add_eval_keys(fp, "collect-fp", o.collect_fp.eval);
  key(fp, "collect-fp.precision", text.fp_precision,
      "arithmetic of the evaluation pass: fp32, or bf16 (faster on CPUs with AVX512-BF16; labels differ slightly)");

  po::options_description quant("Quantized accuracy data [collect-quant]");
  key(quant, "collect-quant.samples", o.collect_quant.samples, "(architecture, policy) pairs: half random, half several policies per architecture");
  key(quant, "collect-quant.policies-per-arch", o.collect_quant.policies_per_arch, "policies per architecture in the second half");
  key(quant, "collect-quant.policy-sampling", o.collect_quant.policy_sampling,
      "leveled: bit widths clustered around a level drawn per policy, so the labels span the overall bit level; "
      "uniform: every width drawn independently");
  key(quant, "collect-quant.fp-accuracy", o.collect_quant.fp_accuracy,
      "also score each item's subnet unquantized, for quant_dataset.h5's fp_accuracy column (true/false; "
      "one more BN re-calibration and evaluation per item)");
  add_quant_job_keys(quant, "collect-quant", o.collect_quant.job);

  text.hidden = join_ints(o.predictor.hidden);
  po::options_description pred("Accuracy predictor [predictor]");
  key(pred, "predictor.hidden", text.hidden, "hidden layer sizes");
  key(pred, "predictor.members", o.predictor.members, "predictors per ensemble (their spread is the uncertainty)");
  key(pred, "predictor.label-target", o.predictor.label_target,
      "what the predictors learn: auto (the most reliable of the three that measure accuracy), top1, loss or blend");
  key(pred, "predictor.cv-folds", o.predictor.cv_folds,
      "also judge every predictor by K-fold cross-validation on all its pairs (0: off; K trainings more)");
  key(pred, "predictor.bitops-input", o.predictor.bitops_input,
      "the quantization-aware predictors also take the subnet's log2(BitOps) (true/false)");
  key(pred, "predictor.fp-epochs", o.predictor.fp.max_epochs, "maximum epochs of the full-precision predictor");
  key(pred, "predictor.quant-epochs", o.predictor.quant.max_epochs, "maximum epochs of the quantization-aware predictors");
  key(pred, "predictor.patience", o.predictor.fp.patience, "epochs without held-out improvement before stopping");
  key(pred, "predictor.batch-size", o.predictor.fp.batch_size, "training batch size");
  key(pred, "predictor.lr", o.predictor.fp.learning_rate, "Adam learning rate");
  key(pred, "predictor.weight-decay", o.predictor.fp.weight_decay, "Adam's (coupled) L2 weight decay");
  key(pred, "predictor.holdout", o.predictor.fp.holdout_fraction, "fraction of pairs held out for early stopping and metrics");

  po::options_description cost("Hardware cost [cost]");
  key(cost, "cost.table", o.cost.table, "bitfusion (analytic BitFusion-style model), host (layers timed here), or a costs.h5 file");

  SearchOptions& s = o.search;
  po::options_description search("Evolutionary search [search]");
  key(search, "search.latency-ms", s.evolution.budget.latency_ms, "latency budget in ms (0: none)");
  key(search, "search.energy-mj", s.evolution.budget.energy_mj, "energy budget in mJ (0: none)");
  key(search, "search.bitops", s.evolution.budget.bitops, "BitOps budget (0: none)");
  key(search, "search.population", s.evolution.population, "population per island");
  key(search, "search.parents-ratio", s.evolution.parents_ratio, "share of the population kept as parents");
  key(search, "search.mutants", s.evolution.mutants, "children by mutation per generation");
  key(search, "search.crossovers", s.evolution.crossovers, "children by crossover per generation");
  key(search, "search.mutation-prob", s.evolution.block_mutation_prob, "per-block mutation probability");
  key(search, "search.depth-mutation-prob", s.evolution.depth_mutation_prob, "per-stage depth mutation probability");
  key(search, "search.max-attempts", s.evolution.max_attempts, "draws per child before the budget is declared impossible");
  key(search, "search.generations", s.generations, "generations per island");
  key(search, "search.islands", s.islands, "evolution islands in total (0: one per rank; the run records the count it used)");
  key(search, "search.migrate-every", s.migrate_every, "generations between migrations");
  key(search, "search.emigrants", s.emigrants, "individuals sent to each neighbour per migration");
  key(search, "search.topology", s.topology, "ring, full, or random-K (K random neighbours)");
  key(search, "search.emigrant-selection", s.emigrant_selection, "best or random");
  key(search, "search.replacement", s.replacement, "worst or random");
  key(search, "search.results", s.results, "best individuals stored in search.h5");
  key(search, "search.baselines", s.baselines,
      "also search the baselines (staged, random with the joint search's predictor calls, uniform highest/lowest bits "
      "of the best full-precision architecture) under the same budget; finalize fine-tunes and measures them");
  key(search, "search.uncertainty-penalty", s.uncertainty_penalty,
      "fitness = predicted mean - this x the predictor ensemble's std");
  key(search, "search.rounds", s.rounds, "search rounds; each but the last measures its best and retrains the predictor");
  key(search, "search.mode", s.mode, "budget (one search per budget) or pareto (one front answers every budget)");
  key(search, "search.pareto-axis", s.pareto_axis, "the cost the Pareto mode trades accuracy against: latency, energy or bitops");
  key(search, "search.round-items", s.round_items, "candidates measured after each round but the last (at most search.results)");

  po::options_description fin("Final fine-tune [finalize]");
  key(fin, "finalize.top-k", o.finalize.top_k, "best searched candidates fine-tuned and evaluated");
  key(fin, "finalize.gain-items", o.finalize.gain_items,
      "the N best labelled items (highest quantized label) also fine-tuned with finalize's recipe; their mean gain turns each prediction "
      "into a forecast of the finalized accuracy (0: off)");
  add_quant_job_keys(fin, "finalize", o.finalize.job);

  po::options_description report("Run report [report]");
  text.curve_pairs = join_ints(o.report.curve_pairs);
  key(report, "report.curve-pairs", text.curve_pairs,
      "quantized training pairs of the transfer-vs-scratch curve (capped at the training split, which is always added)");
  key(report, "report.curve-seeds", o.report.curve_seeds, "seeds (subsets and initialisations) per point of the curve");

  keys.add(runtime).add(train).add(fp).add(quant).add(pred).add(cost).add(search).add(fin).add(report);
}

void finish_pipeline_options(PipelineOptions& o, const PipelineText& text, std::uint64_t seed) {
  const auto steps = parse_ints("train.phase-steps", text.phase_steps);
  o.train.phase_steps.assign(steps.begin(), steps.end());
  o.train.phase_lr = parse_doubles("train.phase-lr", text.phase_lr);
  require(o.train.phase_steps.size() == 4 && o.train.phase_lr.size() == 4,
          "train.phase-steps and train.phase-lr need 4 values (largest, kernel, depth, width)");
  for (auto s : o.train.phase_steps) require(s >= 0, "train.phase-steps must be >= 0");
  for (auto lr : o.train.phase_lr) require(lr > 0, "train.phase-lr must be positive");
  require(o.train.batch_size > 0 && o.train.micro_batches > 0 && o.train.batch_size % o.train.micro_batches == 0,
          "train.batch-size must be a positive multiple of train.micro-batches");
  o.train.seed = seed;

  require(o.runtime.workers_per_rank > 0, "runtime.workers-per-rank must be positive");
  require(o.runtime.max_attempts > 0, "runtime.max-attempts must be positive");
  require(o.runtime.heartbeat_timeout >= 0, "runtime.heartbeat-timeout must be >= 0 (0 = off)");
  require(o.runtime.backup_factor >= 0, "runtime.backup-factor must be >= 0 (0 = off)");
  require(o.runtime.backup_min_seconds >= 0, "runtime.backup-min-seconds must be >= 0");
  require(o.runtime.heartbeat_timeout == 0 ||
              (o.runtime.heartbeat_seconds > 0 && o.runtime.heartbeat_seconds < o.runtime.heartbeat_timeout),
          "runtime.heartbeat-seconds must be positive and shorter than runtime.heartbeat-timeout");
  require(o.collect_fp.samples > 0, "collect-fp.samples must be positive");
  require(o.collect_fp.eval.calib_images > 0 && o.collect_fp.eval.eval_images >= 0, "collect-fp.calib-images must be positive and eval-images >= 0");
  try {
    o.collect_fp.eval.precision = parse_inference_precision(text.fp_precision);
  } catch (const std::invalid_argument&) {
    throw UsageError("collect-fp.precision must be fp32 or bf16, not '" + text.fp_precision + "'");
  }
  require(o.collect_fp.eval.precision == InferencePrecision::fp32 || bf16_inference_supported(),
          "collect-fp.precision = bf16 needs a CPU with AVX512-BF16, and this one has none (use fp32)");
  require(o.collect_quant.samples > 1, "collect-quant.samples must be at least 2");
  require(o.collect_quant.policies_per_arch > 0, "collect-quant.policies-per-arch must be positive");
  require(o.collect_quant.policy_sampling == "leveled" || o.collect_quant.policy_sampling == "uniform",
          "collect-quant.policy-sampling must be leveled or uniform");
  check_quant_job("collect-quant", o.collect_quant.job);
  check_quant_job("finalize", o.finalize.job);

  o.predictor.hidden = parse_ints("predictor.hidden", text.hidden);
  if (o.predictor.label_target != "auto") {
    try {
      parse_label_target(o.predictor.label_target);
    } catch (const std::invalid_argument&) {
      throw UsageError("predictor.label-target must be auto, top1, loss or blend, not '" + o.predictor.label_target + "'");
    }
  }
  for (int h : o.predictor.hidden) require(h > 0, "predictor.hidden sizes must be positive");
  require(o.predictor.members >= 1 && o.predictor.members <= 64, "predictor.members must be in [1, 64]");
  require(o.predictor.cv_folds == 0 || (o.predictor.cv_folds >= 2 && o.predictor.cv_folds <= 20),
          "predictor.cv-folds must be 0 (off) or in [2, 20]");
  require(o.predictor.fp.max_epochs > 0 && o.predictor.quant.max_epochs > 0, "predictor epochs must be positive");
  require(o.predictor.fp.holdout_fraction > 0 && o.predictor.fp.holdout_fraction < 1, "predictor.holdout must be in (0, 1)");
  require(o.predictor.fp.weight_decay >= 0 && o.predictor.fp.weight_decay <= 1, "predictor.weight-decay must be in [0, 1]");
  const int quant_epochs = o.predictor.quant.max_epochs;
  o.predictor.quant = o.predictor.fp;  // same training settings, own epoch count
  o.predictor.quant.max_epochs = quant_epochs;
  o.predictor.fp.seed = derive_seed(seed, stream_tag("predictor-fp"), 0);
  o.predictor.quant.seed = derive_seed(seed, stream_tag("predictor-quant"), 0);

  SearchOptions& s = o.search;
  require(s.generations >= 0 && s.islands >= 0, "search.generations and search.islands must be >= 0");
  require(s.migrate_every > 0 && s.emigrants >= 0, "search.migrate-every must be positive and search.emigrants >= 0");
  require(s.results > 0, "search.results must be positive");
  if (const std::string problem = evolution_config_problem(s.evolution); !problem.empty())
    throw UsageError("search." + problem);  // what the search itself would refuse, refused before any work
  require(s.rounds >= 1 && s.rounds <= 100, "search.rounds must be in [1, 100]");
  require(s.round_items >= 1, "search.round-items must be positive");
  require(s.uncertainty_penalty >= 0 && std::isfinite(s.uncertainty_penalty), "search.uncertainty-penalty must be >= 0");
  try {
    Topology::parse(s.topology, 0);
  } catch (const std::invalid_argument& e) {
    require(false, e.what());
  }
  require(s.emigrant_selection == "best" || s.emigrant_selection == "random", "search.emigrant-selection must be best or random");
  require(s.replacement == "worst" || s.replacement == "random", "search.replacement must be worst or random");
  require(s.mode == "budget" || s.mode == "pareto", "search.mode must be budget or pareto");
  require(s.pareto_axis == "latency" || s.pareto_axis == "energy" || s.pareto_axis == "bitops",
          "search.pareto-axis must be latency, energy or bitops");
  s.evolution.objective = s.mode == "pareto" ? Objective::pareto : Objective::accuracy;
  s.evolution.pareto_axis = s.pareto_axis == "energy" ? CostAxis::energy : s.pareto_axis == "bitops" ? CostAxis::bitops : CostAxis::latency;
  require(s.mode == "budget" || s.rounds == 1, "search.rounds > 1 needs search.mode = budget (a round measures one budget's winners)");
  const Budget& b = s.evolution.budget;
  require(b.latency_ms >= 0 && b.energy_mj >= 0 && b.bitops >= 0, "search budgets must be >= 0 (0: no limit)");
  s.evolution.seed = derive_seed(seed, stream_tag("search"), 0);
  require(o.finalize.top_k > 0, "finalize.top-k must be positive");
  require(o.finalize.gain_items >= 0 && o.finalize.gain_items <= o.collect_quant.samples,
          "finalize.gain-items must be in [0, collect-quant.samples]");
  o.report.curve_pairs = parse_ints("report.curve-pairs", text.curve_pairs);
  // A predictor holds out predictor.holdout of its pairs for early stopping, at least 2 each way.
  int fewest = 2;
  const double holdout = o.predictor.fp.holdout_fraction;
  while (std::lround(holdout * fewest) < 2 || fewest - std::lround(holdout * fewest) < 2) ++fewest;
  for (int n : o.report.curve_pairs)
    require(n >= fewest, "report.curve-pairs must be >= " + std::to_string(fewest) + " each (predictor.holdout of them is held out, at least 2)");
  require(o.report.curve_seeds >= 1 && o.report.curve_seeds <= 100, "report.curve-seeds must be in [1, 100]");
}

}  // namespace apq
