#include "pipeline/predictor_data.hpp"

#include <numeric>

#include "base/rng.hpp"

namespace apq {

// A deterministic permutation of the pairs; the first `holdout` fraction is held out.
std::vector<int> shuffled_order(std::size_t n, std::uint64_t seed) {
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  Rng rng(seed);
  for (int i = static_cast<int>(order.size()) - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);
  return order;
}

Split split_pairs(const PredictorDataset& all, double holdout, std::uint64_t seed) {
  const std::vector<int> order = shuffled_order(all.archs.size(), seed);
  const int n_held = std::max(2, static_cast<int>(holdout * static_cast<double>(order.size())));
  Split s;
  for (std::size_t k = 0; k < order.size(); ++k) {
    PredictorDataset& part = static_cast<int>(k) < n_held ? s.heldout : s.train;
    part.archs.push_back(all.archs[order[k]]);
    if (!all.policies.empty()) part.policies.push_back(all.policies[order[k]]);
    part.accuracy.push_back(all.accuracy[order[k]]);
  }
  return s;
}

std::vector<QuantRecord> collected_quant_records(const RunContext& ctx) {
  std::vector<QuantRecord> out;
  for (auto& r : read_quant_dataset(ctx.file("quant_dataset.h5")).records)
    if (r.kind != QuantItemKind::search_round) out.push_back(std::move(r));
  return by_id(std::move(out));
}

std::vector<FpRecord> collected_fp_records(const RunContext& ctx) {
  const auto samples = static_cast<std::uint64_t>(ctx.pipeline().collect_fp.samples);
  std::vector<FpRecord> out;
  for (auto& r : read_fp_dataset(ctx.file("fp_dataset.h5")).records)
    if (r.id >= 0 && static_cast<std::uint64_t>(r.id) < samples) out.push_back(std::move(r));
  return by_id(std::move(out));
}

PredictorDataset fp_pairs(const RunContext& ctx, const std::vector<FpRecord>& records, const LabelChoice& labels) {
  PredictorDataset d;
  for (std::size_t i = 0; i < records.size(); ++i) {
    d.archs.push_back(parse_arch(*ctx.space, records[i].arch));
    d.accuracy.push_back(static_cast<float>(labels.labels[i]));
  }
  return d;
}

PredictorDataset quant_pairs(const RunContext& ctx, const std::vector<QuantRecord>& records, const LabelChoice& labels) {
  PredictorDataset d;
  for (std::size_t i = 0; i < records.size(); ++i) {
    d.archs.push_back(parse_arch(*ctx.space, records[i].arch));
    d.policies.push_back(parse_policy(*ctx.space, d.archs.back(), records[i].policy));
    d.accuracy.push_back(static_cast<float>(labels.labels[i]));
  }
  return d;
}

Split quant_split(const RunContext& ctx, const PredictorDataset& all) {
  return split_pairs(all, ctx.pipeline().predictor.fp.holdout_fraction,
                     derive_seed(ctx.options.seed, stream_tag("quant-holdout"), 0));
}

}  // namespace apq
