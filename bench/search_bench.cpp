// Search throughput: candidates scored per second by ONE core for the whole evolution loop
// (operators + encode + predict + cost), on the default Fashion-MNIST space and on an APQ-size
// space (21 blocks, bits {4,6,8}, predictor 400x3); the predictor's achieved GFLOP/s against a
// 1024x1024 sgemm measured in the same run; and the predictor's held-out quality.
// Accuracy data here are from the SYNTHETIC ground truth (testing/synthetic_accuracy.hpp), not from
// the real pipeline: the RMSE / Kendall tau printed are on synthetic pairs.
// Costs: the cost model (kernels/cost_model.hpp) with the BitFusion-style analytic table.
//   usage: search_bench [generations=300]
#include <ATen/core/Tensor.h>

#include <chrono>
#include <ctime>
#include <cstdio>
#include <cmath>
#include <cstdlib>
#include <algorithm>
#include <string>

#include "app/process.hpp"
#include "bench/gemm_peak.hpp"
#include "kernels/bitfusion_model.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/cost_model.hpp"
#include "kernels/evolution.hpp"
#include "kernels/predictor.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "kernels/staged_search.hpp"
#include "testing/synthetic_accuracy.hpp"

using namespace apq;
using Clock = std::chrono::steady_clock;

namespace {

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// CPU seconds used by the whole process (every thread). The machine is shared by several engineers'
// builds: wall-clock time would count other processes' time slices, CPU time counts only the work
// done here, so "per core" figures are candidates per CPU-second.
double cpu_now() {
  timespec t;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

// 21 searchable blocks: MobileNetV2-like widths, 5 stages of depth {2,3,4} and one of depth 1.
SpaceSpec apq_size_space() {
  SpaceSpec s;
  s.in_channels = 3;
  s.image_size = 224;
  s.num_classes = 1000;
  s.stem_width = 32;
  s.first_block_width = 16;
  s.stages = {{24, 2, {2, 3, 4}}, {32, 2, {2, 3, 4}}, {64, 2, {2, 3, 4}}, {96, 1, {2, 3, 4}}, {160, 2, {2, 3, 4}}, {320, 1, {1}}};
  s.head_width = 1280;
  return s;
}

PredictorDataset synthetic_pairs(const SearchSpace& space, const SyntheticAccuracy& truth, int n, bool quantized, std::uint64_t seed) {
  Rng rng(seed);
  PredictorDataset d;
  for (int i = 0; i < n; ++i) {
    d.archs.push_back(space.sample(rng));
    if (quantized) d.policies.push_back(space.sample_policy(d.archs.back(), rng));
    d.accuracy.push_back(static_cast<float>(quantized ? truth.quantized(d.archs.back(), d.policies.back())
                                                      : truth.full_precision(d.archs.back())));
  }
  return d;
}

// Trains, then prints held-out quality (the training split's 20%) and, given a test set, the
// quality on it; and the training time.
void train_and_print(const std::string& what, PredictorHandle& predictor, const PredictorDataset& data,
                     const TrainOptions& options, const PredictorDataset* test = nullptr) {
  const auto t0 = Clock::now();
  const PredictorMetrics m = predictor.train(data, options);
  const double seconds = since(t0);
  std::printf("  %-30s held-out n=%-4d RMSE %.4f  Pearson %.3f  tau %.3f", what.c_str(), m.count, m.rmse, m.pearson,
              m.kendall_tau);
  if (test) {
    const PredictorMetrics t = predictor.evaluate(*test);
    std::printf(" | test n=%d RMSE %.4f tau %.3f", t.count, t.rmse, t.kendall_tau);
  }
  std::printf("  (%d epochs, %.1f s)\n", m.epochs, seconds);
}

// Work of one prediction: first-layer row additions plus the dense layers' multiply-adds.
double flops_per_candidate(const PredictorHandle& p, double hot_rows) {
  const PredictorWeights& w = p.weights();
  double flops = hot_rows * w.arch_layer.out + 2.0 * w.arch_layer.out;  // row adds, bias, ReLU
  for (const LinearWeights& l : w.hidden_layers) flops += 2.0 * l.in * l.out;
  return flops + 2.0 * w.output_layer.in;
}

// Best of interleaved rounds (in CPU time): the fp32 GEMM baseline and the predictor side by side.
double predictor_rate(const PredictorHandle& p, const std::vector<Arch>& archs, const std::vector<Policy>& policies,
                      double& gemm) {
  std::vector<float> out(archs.size());
  for (int i = 0; i < 20; ++i) p.predict(archs, policies, out.data());
  double rate = 0;
  for (int round = 0; round < 5; ++round) {
    gemm = std::max(gemm, apq::bench::gemm_gflops(cpu_now));
    const int reps = 300;
    const double t = cpu_now();
    for (int i = 0; i < reps; ++i) p.predict(archs, policies, out.data());
    rate = std::max(rate, static_cast<double>(archs.size()) * reps / (cpu_now() - t));
  }
  return rate;
}

struct LoopFigures {
  double cpu_rate = 0, wall_rate = 0, predict_share = 0, cost_share = 0;
  long long rejected = 0;
};

// Candidates per CPU-second of the whole loop (best of 3 runs with the same seed), then one run
// with timers around predict and cost for the split (wall clock, so only indicative).
LoopFigures loop_rate(const SearchSpace& space, const EvolutionConfig& config, const FitnessFn& predict,
                      const CostFn& cost, int generations) {
  LoopFigures f;
  double cpu_seconds = 1e30, wall_seconds = 1e30;
  long long candidates = 0;
  for (int round = 0; round < 3; ++round) {
    Evolution run(space, config, predict, cost);
    run.initialize();
    const double t = cpu_now();
    const auto w = Clock::now();
    run.run(generations);
    cpu_seconds = std::min(cpu_seconds, cpu_now() - t);
    wall_seconds = std::min(wall_seconds, since(w));
    candidates = run.evaluated() - config.population;
  }
  f.cpu_rate = static_cast<double>(candidates) / cpu_seconds;
  f.wall_rate = static_cast<double>(candidates) / wall_seconds;
  double predict_seconds = 0, cost_seconds = 0;
  const FitnessFn timed_fitness = [&](const std::vector<Individual>& pop) {
    const auto t = Clock::now();
    std::vector<float> out = predict(pop);
    predict_seconds += since(t);
    return out;
  };
  const CostFn timed_cost = [&](const Arch& a, const Policy& p) {
    const auto t = Clock::now();
    const Costs c = cost(a, p);
    cost_seconds += since(t);
    return c;
  };
  Evolution timed(space, config, timed_fitness, timed_cost);
  timed.initialize();
  predict_seconds = cost_seconds = 0;
  const auto t = Clock::now();
  timed.run(generations);
  const double total = since(t);
  f.predict_share = 100 * predict_seconds / total;
  f.cost_share = 100 * cost_seconds / total;
  f.rejected = timed.rejected();
  return f;
}

void run_case(const char* name, const SpaceSpec& spec, int generations) {
  const SearchSpace space(spec);
  const Encoding encoding(space);
  const SyntheticAccuracy truth(space, 1);
  std::printf("\n== %s space: %d slots, arch code %d, policy code %d\n", name, space.num_slots(), encoding.arch_size(),
              encoding.policy_size());

  // Predictor: full precision on many pairs, then transfer on few quantized pairs (SYNTHETIC data).
  PredictorConfig config;  // 400 x 3
  TrainOptions options;
  options.max_epochs = 200;
  options.patience = 20;
  const PredictorDataset fp_data = synthetic_pairs(space, truth, 5000, false, 11);
  const PredictorDataset q_data = synthetic_pairs(space, truth, 1000, true, 12);
  const PredictorDataset q_test = synthetic_pairs(space, truth, 2000, true, 13);
  PredictorHandle fp(encoding, config, 1);
  train_and_print("FP predictor, 5000 pairs", fp, fp_data, options);
  PredictorHandle qa = fp.transfer(2);
  train_and_print("QA transfer, 1000 pairs", qa, q_data, options, &q_test);
  // Transfer against training from scratch at small quantized-sample counts (the paper's claim).
  config.quantization_aware = true;
  for (int n : {100, 300}) {
    PredictorDataset few;
    few.archs.assign(q_data.archs.begin(), q_data.archs.begin() + n);
    few.policies.assign(q_data.policies.begin(), q_data.policies.begin() + n);
    few.accuracy.assign(q_data.accuracy.begin(), q_data.accuracy.begin() + n);
    PredictorHandle transferred = fp.transfer(2), scratch(encoding, config, 3);
    train_and_print("transfer, " + std::to_string(n) + " pairs", transferred, few, options, &q_test);
    train_and_print("scratch,  " + std::to_string(n) + " pairs", scratch, few, options, &q_test);
  }
  PredictorHandle scratch(encoding, config, 3);
  train_and_print("scratch,  1000 pairs", scratch, q_data, options, &q_test);

  // The predictor alone at batch 100.
  Rng rng(5);
  std::vector<Arch> archs;
  std::vector<Policy> policies;
  double hot = 0;
  std::vector<int> rows;
  for (int i = 0; i < 100; ++i) {
    archs.push_back(space.sample(rng));
    policies.push_back(space.sample_policy(archs.back(), rng));
    encoding.arch_hot(archs.back(), rows);
    hot += static_cast<double>(rows.size());
    encoding.policy_hot(archs.back(), policies.back(), rows);
    hot += static_cast<double>(rows.size());
  }
  hot /= 100.0;
  PredictorHandle qa16(encoding, qa.weights());
  qa16.set_inference_precision(InferencePrecision::bf16);
  const bool have_bf16 = qa16.inference_precision() == InferencePrecision::bf16;
  for (const PredictorHandle* p : {&qa, &qa16}) {
    if (p == &qa16 && !have_bf16) {
      std::printf("  bf16: this CPU has no AVX512-BF16, skipped\n");
      break;
    }
    double gemm = 0;
    const double rate = predictor_rate(*p, archs, policies, gemm);
    const double gflops = rate * flops_per_candidate(*p, hot) / 1e9;
    std::printf("  predictor alone (%s), batch 100: %.0f candidates/s, %.1f GFLOP/s = %.2f x the fp32 1024^2 sgemm (%.1f GFLOP/s)\n",
                p == &qa ? "fp32" : "bf16", rate, gflops, gflops / gemm, gemm);
  }
  if (have_bf16) {
    std::vector<float> exact(q_test.archs.size()), fast(q_test.archs.size());
    qa.predict(q_test.archs, q_test.policies, exact.data());
    qa16.predict(q_test.archs, q_test.policies, fast.data());
    double worst = 0;
    for (std::size_t i = 0; i < exact.size(); ++i) worst = std::max(worst, static_cast<double>(std::abs(exact[i] - fast[i])));
    const PredictorMetrics m = qa16.evaluate(q_test);
    std::printf("  bf16 vs fp32 on the 2000 test pairs: max |difference| %.5f, Kendall tau between them %.4f; bf16 test RMSE %.4f tau %.3f\n",
                worst, kendall_tau(fast, exact), m.rmse, m.kendall_tau);
  }

  // The whole search loop: operators + encode + predict + cost, one generation at a time.
  const CostModel model(space, bitfusion_table(space));
  const CostFn cost = [&](const Arch& a, const Policy& p) { return model.costs(a, p); };
  const FitnessFn predict = predictor_fitness(qa);
  const Arch lo = space.smallest(), hi = space.largest();
  const double lo_ms = model.costs(lo, space.uniform_policy(lo, 4)).latency_ms;
  const double hi_ms = model.costs(hi, space.uniform_policy(hi, 8)).latency_ms;
  EvolutionConfig evo_config;
  evo_config.budget.latency_ms = lo_ms + 0.3 * (hi_ms - lo_ms);
  evo_config.seed = 7;
  // The same predictor with the BitOps input (predictor.bitops-input): its cost is a second BitOps
  // sum per candidate; the layer's values do not change the speed.
  PredictorWeights with_bitops = qa.weights();
  with_bitops.bitops_layer = transfer_weights(fp.weights(), encoding.policy_size(), 2, false, true).bitops_layer;
  PredictorHandle qab(encoding, with_bitops);
  for (const PredictorHandle* p : {&qa, &qab, &qa16}) {
    if (p == &qa16 && !have_bf16) break;
    const LoopFigures f = loop_rate(space, evo_config, predictor_fitness(*p), cost, generations);
    std::printf("  search loop (%s, %s, %d generations): %.0f candidates per CPU-second on one core (wall clock: %.0f/s); "
                "%.1f%% of the time in predict, %.1f%% in cost, the rest operators; %lld draws rejected\n",
                p == &qa ? "fp32" : p == &qab ? "fp32 + BitOps input" : "bf16", evo_config.budget.describe().c_str(),
                generations, f.cpu_rate, f.wall_rate,
                f.predict_share, f.cost_share, f.rejected);
  }
  // What the search stage runs: an ensemble of predictor.members (5) scored as mean - k * std.
  const PredictorWeights* plain = &qa.weights();
  for (const PredictorWeights* w : {plain, static_cast<const PredictorWeights*>(&with_bitops)}) {
    std::vector<PredictorHandle> members;
    for (int i = 0; i < 5; ++i) members.emplace_back(encoding, *w);
    const PredictorEnsemble ensemble(std::move(members));
    const LoopFigures f = loop_rate(space, evo_config, ensemble_fitness(ensemble, 1.0), cost, generations);
    std::printf("  search loop (ensemble of 5, fp32%s, %s, %d generations): %.0f candidates per CPU-second on one core; "
                "%.1f%% of the time in predict, %.1f%% in cost\n",
                w == &with_bitops ? " + BitOps input" : "", evo_config.budget.describe().c_str(), generations,
                f.cpu_rate, f.predict_share, f.cost_share);
  }
  Evolution evo(space, evo_config, predict, cost);
  evo.run(generations);
  const Individual& best = evo.best();
  std::printf("  joint search best: predicted %.4f, synthetic truth %.4f, latency %.3f ms\n    %s\n    %s\n", best.fitness,
              truth.quantized(best.arch, best.policy), best.costs.latency_ms, to_string(space, best.arch).c_str(),
              to_string(space, best.arch, best.policy).c_str());

  // Staged baseline at the same budget (FP predictor for the arch at 8 bits, then QA for bits).
  StagedConfig staged;
  staged.evolution = evo_config;
  staged.arch_generations = generations / 2;
  staged.policy_generations = generations / 2;
  const StagedResult r = staged_search(space, staged, predictor_fitness(fp), predict, cost);
  std::printf("  staged search best: predicted %.4f, synthetic truth %.4f, latency %.3f ms (joint - staged = %+.4f synthetic)\n",
              r.final.fitness, truth.quantized(r.final.arch, r.final.policy), r.final.costs.latency_ms,
              truth.quantized(best.arch, best.policy) - truth.quantized(r.final.arch, r.final.policy));
}

}  // namespace

int main(int argc, char** argv) {
  apq::tune_allocator();
  set_compute_threads(1);
  const int generations = argc > 1 ? std::atoi(argv[1]) : 300;
  if (generations < 2) {
    std::fprintf(stderr, "search_bench: generations must be at least 2\n");
    return 2;
  }
  std::printf("1 thread; accuracy data are SYNTHETIC (testing/synthetic_accuracy.hpp)\n");
  run_case("default (Fashion-MNIST)", default_fmnist_space(), generations);
  run_case("APQ-size", apq_size_space(), generations);
  return 0;
}
