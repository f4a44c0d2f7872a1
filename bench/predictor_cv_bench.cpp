// The predictors' held-out Kendall tau by K-fold cross-validation (pipeline/cross_validation.hpp,
// what predictor.cv-folds makes the stage report) for any run directory, beside the predictor
// stage's one split: every item is held out once, so the quantized predictors are judged on all
// their pairs (120 in fmnist.ini) instead of the stage's 24, and the figure's standard error
// shrinks enough to tell whether a predictor is within 0.05 of its labels' ceiling. The
// recipes are the stage's own (pipeline/predictor_recipes.hpp).
//   build/bench/predictor_cv_bench RUN_DIR [--folds 5] [--threads 2] [--bitops-input true|false]
//   [--weight-decay W]
// (--bitops-input and --weight-decay override the run's predictor.bitops-input and predictor.weight-decay.)
// Prints, per predictor, the stage's split and the pooled K-fold tau with their standard errors,
// and the labels' reliability and tau ceiling.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "app/process.hpp"
#include "io/dataset_store.hpp"
#include "io/hdf5_file.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/predictor_metrics.hpp"
#include "pipeline/predictor_recipes.hpp"

using namespace apq;

namespace {

// `stage` is the ensemble the stage stores (trained by `train` on its split, fold 0's seeds).
void report(const char* name, const PredictorDataset& all, const Split& stage_split, const PredictorEnsemble& stage,
            const LabelChoice& labels, int folds, std::uint64_t seed, const TrainEnsemble& train) {
  std::vector<float> mean, spread;
  stage.predict(stage_split.heldout.archs, stage_split.heldout.policies, mean, spread);
  const PredictorMetrics one = evaluate_predictions(mean, stage_split.heldout.accuracy);
  const PredictorMetrics cv = cross_validate(all, folds, seed, train);
  std::printf("%-14s %-12s %8.3f +- %.3f (%3zu pairs)   %8.3f +- %.3f (%4zu pairs)   %11.3f %7.3f   %8.3f\n", name,
              label_target_name(labels.target), one.kendall_tau, one.kendall_tau_se, mean.size(), cv.kendall_tau,
              cv.kendall_tau_se, all.archs.size(), labels.chosen().reliability, labels.chosen().tau_ceiling,
              labels.chosen().tau_ceiling - cv.kendall_tau);
}

}  // namespace

int main(int argc, char** argv) {
  apq::ensure_passive_openmp(argv);
  if (argc < 2) {
    std::fprintf(stderr, "usage: predictor_cv_bench RUN_DIR [--folds 5] [--threads 2] [--bitops-input true|false] [--weight-decay W]\n");
    return 2;
  }
  const std::string run_dir = argv[1];
  int folds = 5, threads = 2;
  std::string bitops_input;  // empty: the run's own
  double weight_decay = -1;  // negative: the run's own
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--folds") folds = std::atoi(argv[i + 1]);
    else if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--bitops-input") bitops_input = argv[i + 1];
    else if (flag == "--weight-decay") weight_decay = std::strtod(argv[i + 1], nullptr);
    else {
      std::fprintf(stderr, "predictor_cv_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  if (!bitops_input.empty() && bitops_input != "true" && bitops_input != "false") {
    std::fprintf(stderr, "predictor_cv_bench: --bitops-input must be true or false\n");
    return 2;
  }
  if (weight_decay != -1 && !(weight_decay >= 0 && weight_decay <= 1)) {
    std::fprintf(stderr, "predictor_cv_bench: --weight-decay must be in [0, 1]\n");
    return 2;
  }
  if (folds < 2) {
    std::fprintf(stderr, "predictor_cv_bench: --folds must be at least 2\n");
    return 2;
  }
  try {
    apq::set_compute_threads(threads);
    const std::string fp_path = run_dir + "/fp_dataset.h5";
    RunOptions options = parse_config_text(RunFile::open_read(fp_path).string_attr("config"), fp_path);
    options.run_dir = run_dir;  // the run may have been copied elsewhere
    if (!bitops_input.empty()) options.pipeline.predictor.bitops_input = bitops_input == "true";
    if (weight_decay >= 0) {  // the same for every predictor, as the config key sets it
      options.pipeline.predictor.fp.weight_decay = weight_decay;
      options.pipeline.predictor.quant.weight_decay = weight_decay;
    }
    const RunContext ctx(options, ProcessInfo{});
    const auto fp_records = by_id(read_fp_dataset(fp_path).records);
    const auto quant_records = collected_quant_records(ctx);
    const LabelChoice fp_labels = labels_of(ctx, fp_records);
    const LabelChoice quant_labels = labels_of(ctx, quant_records);
    const PredictorDataset fp_all = fp_pairs(ctx, fp_records, fp_labels);
    const PredictorDataset quant_all = quant_pairs(ctx, quant_records, quant_labels);
    const Split fp = fp_split(ctx, fp_all);
    const Split quant = quant_split(ctx, quant_all);
    const std::uint64_t seed = cross_validation_seed(ctx);

    std::printf("%s: %zu FP and %zu quantized items; %d folds; BitOps input %s; weight decay %g\n", run_dir.c_str(),
                fp_all.archs.size(), quant_all.archs.size(), folds,
                ctx.pipeline().predictor.bitops_input ? "on" : "off", ctx.pipeline().predictor.fp.weight_decay);
    std::printf("%-14s %-12s %-27s   %-28s   %11s %7s   %8s\n", "predictor", "labels", "stage's split: tau +- SE",
                "K-fold, pooled: tau +- SE", "reliability", "ceiling", "gap (CV)");
    const TrainEnsemble train_fp = fp_recipe(ctx);
    const PredictorEnsemble full_precision = train_fp(fp.train, 0);  // the stage's FP ensemble
    report("fp", fp_all, fp, full_precision, fp_labels, folds, seed, train_fp);
    const TrainEnsemble transfer = transfer_recipe(ctx, full_precision);
    report("quant", quant_all, quant, transfer(quant.train, 0), quant_labels, folds, seed, transfer);
    const TrainEnsemble scratch = scratch_recipe(ctx);
    report("quant_scratch", quant_all, quant, scratch(quant.train, 0), quant_labels, folds, seed, scratch);
    std::printf("gap: the labels' tau ceiling minus the K-fold tau (issue #13's target: at most 0.05)\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "predictor_cv_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
