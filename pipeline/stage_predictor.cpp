// Stages 4 and 5 on rank 0: the full-precision predictor on fp_dataset.h5, then the
// quantization-aware predictor transferred from it, and the same network trained from scratch
// on the quantized pairs as the baseline transfer is measured against. Metrics are on pairs
// held out from training (a split of each dataset from the run seed).
#include <algorithm>
#include <numeric>
#include <sstream>

#include "io/dataset_store.hpp"
#include "io/predictor_store.hpp"
#include "kernels/label_reliability.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "pipeline/predictor_data.hpp"
#include "pipeline/predictor_recipes.hpp"
#include "pipeline/result_inputs.hpp"
#include "pipeline/stages.hpp"

namespace apq {
namespace {

std::string describe(const std::string& dataset, const LabelChoice& c) {
  std::ostringstream out;
  out.precision(3);
  out << "predictor: " << dataset << " labels (" << c.chosen().items << " items), split-half reliability and validity:";
  for (int t = 0; t < kLabelTargets; ++t) {
    const SplitHalf& h = c.reliability[t];
    out << (t ? ";" : "") << ' ' << label_target_name(static_cast<LabelTarget>(t)) << " tau " << h.kendall_tau
        << ", r " << h.pearson << ", reliability " << h.reliability << ", validity " << h.validity << ", worth "
        << h.worth;
  }
  out << " -> learning " << label_target_name(c.target) << " (tau ceiling " << c.chosen().tau_ceiling << ")";
  return out.str();
}


// Scores the trained `ensemble` on split.heldout and stores it under `name`, with its labels'
// reliability beside the held-out figures and, with predictor.cv-folds, its recipe's
// cross-validated figures on all pairs (`train` trains one fold's ensemble).
void store(const RunContext& ctx, const std::string& path, const std::string& name, const PredictorEnsemble& ensemble, const Split& split,
           const LabelChoice& labels, const PredictorDataset& all, const TrainEnsemble& train) {
  const auto& hidden = ctx.pipeline().predictor.hidden;
  std::vector<float> predicted, spread;
  ensemble.predict(split.heldout.archs, split.heldout.policies, predicted, spread);
  const PredictorMetrics held = evaluate_predictions(predicted, split.heldout.accuracy);
  PredictorRecord record;
  record.arch_size = ctx.encoding->arch_size();
  record.policy_size = ensemble.quantization_aware() ? ctx.encoding->policy_size() : 0;
  record.hidden.assign(hidden.begin(), hidden.end());
  for (const auto& m : ensemble.training()) record.epochs = std::max<std::int64_t>(record.epochs, m.epochs);
  record.n_train = static_cast<std::int64_t>(split.train.archs.size());
  record.n_heldout = static_cast<std::int64_t>(split.heldout.archs.size());
  record.rmse = held.rmse;
  record.pearson = held.pearson;
  record.kendall_tau = held.kendall_tau;
  record.kendall_tau_se = held.kendall_tau_se;
  record.mean_target = std::accumulate(split.heldout.accuracy.begin(), split.heldout.accuracy.end(), 0.0) /
                       static_cast<double>(split.heldout.accuracy.size());
  record.label_target = label_target_name(labels.target);
  record.label_items = labels.chosen().items;
  record.label_split_half_tau = labels.chosen().kendall_tau;
  record.label_split_half_pearson = labels.chosen().pearson;
  record.label_reliability = labels.chosen().reliability;
  record.label_tau_ceiling = labels.chosen().tau_ceiling;
  record.members = ensemble.save();
  record.heldout_target.assign(split.heldout.accuracy.begin(), split.heldout.accuracy.end());
  record.heldout_predicted.assign(predicted.begin(), predicted.end());
  record.heldout_stddev.assign(spread.begin(), spread.end());
  const double mean_spread = std::accumulate(spread.begin(), spread.end(), 0.0) / static_cast<double>(spread.size());
  std::ostringstream line;
  line.precision(4);
  line << "predictor: " << name << ", " << ensemble.size() << " members trained on " << record.n_train
       << " pairs (at most " << record.epochs << " epochs); held-out " << record.n_heldout << ": RMSE " << held.rmse
       << ", Pearson " << held.pearson << ", Kendall tau " << held.kendall_tau << " +- " << held.kendall_tau_se
       << " (1 SE; label ceiling "
       << record.label_tau_ceiling << ", label reliability " << record.label_reliability << "), mean spread "
       << mean_spread;
  say(ctx, line.str());
  // At most one fold per pair (leave-one-out where pairs are fewer than the folds asked for).
  const int folds = std::min(ctx.pipeline().predictor.cv_folds, static_cast<int>(all.archs.size()));
  if (folds > 0) {
    const PredictorMetrics cv =
        cross_validate(all, folds, cross_validation_seed(ctx), train);
    record.cv_folds = folds;
    record.cv_kendall_tau = cv.kendall_tau;
    record.cv_kendall_tau_se = cv.kendall_tau_se;
    std::ostringstream cv_line;
    cv_line.precision(4);
    cv_line << "predictor: " << name << ", " << folds << "-fold cross-validation on all " << all.archs.size()
            << " pairs: Kendall tau " << cv.kendall_tau << " +- " << cv.kendall_tau_se << " (1 SE; label ceiling "
            << record.label_tau_ceiling << ")";
    say(ctx, cv_line.str());
  }
  save_predictor(path, ctx.meta, name, record);
}

// A stored predictor is current when it was trained on the dataset's present size, from the
// same config (a changed predictor or collection setting retrains it).
bool current(const RunContext& ctx, const std::string& path, const std::string& name, std::size_t pairs) {
  const auto stored = load_predictor(path, ctx.meta, name);
  if (!stored || static_cast<std::size_t>(stored->n_train + stored->n_heldout) != pairs) return false;
  const RunFile file = RunFile::open_read(path);
  return inputs_of(file.string_attr("config"), predictor_inputs()) == inputs_of(ctx.options.resolved_config, predictor_inputs());
}


}  // namespace

void retrain_quant_predictor(const RunContext& ctx) {
  std::vector<QuantRecord> records = collected_quant_records(ctx);
  const std::string rounds = ctx.scenario_file("rounds.h5");
  if (h5::file_exists(rounds))
    for (auto& r : read_quant_dataset(rounds).records) records.push_back(std::move(r));
  records = by_id(std::move(records));
  const LabelChoice labels = labels_of(ctx, records);
  const PredictorDataset all = quant_pairs(ctx, records, labels);
  const std::string path = ctx.scenario_file("predictors.h5");
  if (current(ctx, path, kQuantPredictor, all.archs.size())) {
    say(ctx, "predictor: the scenario's quantization-aware predictor is up to date with its search rounds, skipping");
    return;
  }
  say(ctx, describe("quantized", labels));
  const auto fp = load_predictor(ctx.file("predictors.h5"), ctx.meta, kFpPredictor);
  if (!fp) throw std::runtime_error(ctx.file("predictors.h5") + ": no full-precision predictor (run the predictor stage first)");
  const Split split = quant_split(ctx, all);
  const PredictorEnsemble full_precision = PredictorEnsemble::load(*ctx.encoding, fp->members);
  const TrainEnsemble transfer = transfer_recipe(ctx, full_precision);
  store(ctx, path, kQuantPredictor, transfer(split.train, 0), split, labels, all, transfer);
}

void predictor_stage(const RunContext& ctx, StageEnv&) {
  if (!ctx.leader()) return;
  const auto fp_records = collected_fp_records(ctx);
  const auto quant_records = collected_quant_records(ctx);
  if (fp_records.size() < 10 || quant_records.size() < 4)
    throw std::runtime_error("predictor: too few pairs to train on (" + std::to_string(fp_records.size()) + " fp, " +
                             std::to_string(quant_records.size()) + " quantized); collect more first");
  const LabelChoice fp_labels = labels_of(ctx, fp_records);
  const LabelChoice quant_labels = labels_of(ctx, quant_records);
  say(ctx, describe("full-precision", fp_labels));
  say(ctx, describe("quantized", quant_labels));
  const PredictorDataset fp_all = fp_pairs(ctx, fp_records, fp_labels);
  const PredictorDataset quant_all = quant_pairs(ctx, quant_records, quant_labels);
  const std::string path = ctx.file("predictors.h5");
  if (current(ctx, path, kFpPredictor, fp_all.archs.size()) && current(ctx, path, kQuantPredictor, quant_all.archs.size()) &&
      current(ctx, path, kQuantScratchPredictor, quant_all.archs.size())) {
    say(ctx, "predictor: predictors.h5 is up to date with the datasets, skipping");
    return;
  }
  const Split fp = fp_split(ctx, fp_all);
  const Split quant = quant_split(ctx, quant_all);
  // Each recipe trains the stored ensemble (fold 0's seeds) and, with predictor.cv-folds, every fold's.
  const TrainEnsemble train_fp = fp_recipe(ctx);
  const PredictorEnsemble full_precision = train_fp(fp.train, 0);
  store(ctx, path, kFpPredictor, full_precision, fp, fp_labels, fp_all, train_fp);
  const TrainEnsemble transfer = transfer_recipe(ctx, full_precision);
  store(ctx, path, kQuantPredictor, transfer(quant.train, 0), quant, quant_labels, quant_all, transfer);
  const TrainEnsemble scratch = scratch_recipe(ctx);
  store(ctx, path, kQuantScratchPredictor, scratch(quant.train, 0), quant, quant_labels, quant_all, scratch);
}

}  // namespace apq
