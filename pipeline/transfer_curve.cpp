#include "pipeline/transfer_curve.hpp"

#include <algorithm>
#include <chrono>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "base/rng.hpp"
#include "io/predictor_store.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "kernels/predictor_metrics.hpp"
#include "pipeline/predictor_data.hpp"
#include "pipeline/stages.hpp"

namespace apq {
namespace {

// The first `count` pairs of a seeded permutation of `all`.
PredictorDataset subset(const PredictorDataset& all, int count, std::uint64_t seed) {
  const std::vector<int> order = shuffled_order(all.archs.size(), seed);
  PredictorDataset out;
  for (int k = 0; k < count; ++k) {
    out.archs.push_back(all.archs[order[k]]);
    out.policies.push_back(all.policies[order[k]]);
    out.accuracy.push_back(all.accuracy[order[k]]);
  }
  return out;
}

CurvePoint score(const char* method, int pairs, int seed, const PredictorEnsemble& predictor, const PredictorDataset& heldout) {
  std::vector<float> mean, spread;
  predictor.predict(heldout.archs, heldout.policies, mean, spread);
  const PredictorMetrics m = evaluate_predictions(mean, heldout.accuracy);
  return {method, pairs, seed, m.kendall_tau, m.rmse, m.pearson};
}

}  // namespace

TransferCurve transfer_curve(const RunContext& ctx, const std::vector<int>& pairs, int seeds) {
  const auto& o = ctx.pipeline().predictor;
  const auto records = collected_quant_records(ctx);
  const LabelChoice labels = labels_of(ctx, records);
  const Split split = quant_split(ctx, quant_pairs(ctx, records, labels));
  const auto fp = load_predictor(ctx.file("predictors.h5"), ctx.meta, kFpPredictor);
  if (!fp) throw std::runtime_error(ctx.file("predictors.h5") + ": no full-precision predictor (run the predictor stage first)");
  const int train = static_cast<int>(split.train.archs.size());
  std::vector<int> counts;
  for (int n : pairs)
    if (n > 0 && n < train) counts.push_back(n);
  counts.push_back(train);
  std::sort(counts.begin(), counts.end());
  counts.erase(std::unique(counts.begin(), counts.end()), counts.end());

  TransferCurve curve;
  curve.heldout = static_cast<std::int64_t>(split.heldout.archs.size());
  curve.label_target = label_target_name(labels.target);
  curve.label_items = labels.chosen().items;
  curve.label_split_half_tau = labels.chosen().kendall_tau;
  curve.label_reliability = labels.chosen().reliability;
  curve.label_tau_ceiling = labels.chosen().tau_ceiling;
  PredictorConfig scratch_config;
  scratch_config.hidden = o.hidden;
  scratch_config.quantization_aware = true;
  const auto start = std::chrono::steady_clock::now();
  const int total = static_cast<int>(counts.size()) * seeds;
  int done = 0;
  for (int n : counts)
    for (int s = 0; s < seeds; ++s) {
      const auto tag = static_cast<std::uint64_t>(n) * 1000 + static_cast<std::uint64_t>(s);
      const PredictorDataset data = subset(split.train, n, derive_seed(ctx.options.seed, stream_tag("curve-subset"), tag));
      const PredictorEnsemble member =
          PredictorEnsemble::load(*ctx.encoding, {fp->members[static_cast<std::size_t>(s) % fp->members.size()]});
      curve.points.push_back(score("transfer", n, s,
                                   member.transfer(data, o.quant, derive_seed(ctx.options.seed, stream_tag("curve-transfer"), tag)),
                                   split.heldout));
      curve.points.push_back(score("scratch", n, s,
                                   PredictorEnsemble::train(*ctx.encoding, scratch_config, data, o.quant, 1,
                                                            derive_seed(ctx.options.seed, stream_tag("curve-scratch"), tag)),
                                   split.heldout));
      ++done;
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (s + 1 == seeds) {
        std::ostringstream line;
        line.precision(2);
        line << std::fixed << "report: transfer curve " << done << "/" << total << " (" << done / std::max(seconds, 1e-9)
             << "/s, ETA " << seconds / done * (total - done) << " s)";
        say(ctx, line.str());
      }
    }
  return curve;
}

}  // namespace apq
