// The predictors' training data, shared by the predictor stage, the search rounds' retraining and
// the report's transfer curve: the datasets' records in item order, their labels (the most
// reliable target, kernels/label_reliability.hpp), the (arch, policy, label) pairs, and the
// deterministic split of the pairs into training and held-out ones.
#pragma once
#include <algorithm>
#include <optional>
#include <vector>

#include "io/dataset_store.hpp"
#include "kernels/label_reliability.hpp"
#include "kernels/predictor.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

struct Split {
  PredictorDataset train, heldout;
};

// 0..n-1 in a seeded random order (Fisher-Yates with base/rng.hpp).
std::vector<int> shuffled_order(std::size_t n, std::uint64_t seed);

// A deterministic permutation of the pairs; the first `holdout` fraction is held out.
Split split_pairs(const PredictorDataset& all, double holdout, std::uint64_t seed);

// The quantized pairs' split, the same wherever it is made (predictor stage, rounds, report).
Split quant_split(const RunContext& ctx, const PredictorDataset& all);

// Records sorted by item ID: the file holds them in arrival order, which depends on the ranks.
template <class Record>
std::vector<Record> by_id(std::vector<Record> records) {
  std::sort(records.begin(), records.end(), [](const Record& a, const Record& b) { return a.id < b.id; });
  return records;
}

// The items collect-quant measured (quant_dataset.h5). A run directory of an earlier version also
// holds its search rounds' items there; they belong to one scenario and are left out (each
// scenario keeps its own, pipeline/scenario.hpp).
std::vector<QuantRecord> collected_quant_records(const RunContext& ctx);

// The first collect-fp.samples items of fp_dataset.h5, by ID: a file filled further by a run with
// a larger count serves a smaller one exactly the items it would have collected itself.
std::vector<FpRecord> collected_fp_records(const RunContext& ctx);

// The labels of a dataset's items (sorted by ID) and how far they can be trusted.
template <class Record>
LabelChoice labels_of(const RunContext& ctx, const std::vector<Record>& records) {
  std::vector<EvalScore> scores;
  for (const auto& r : records) scores.push_back(r.score);
  const std::string& target = ctx.pipeline().predictor.label_target;
  return choose_labels(scores, target == "auto" ? std::nullopt : std::optional(parse_label_target(target)));
}

PredictorDataset fp_pairs(const RunContext& ctx, const std::vector<FpRecord>& records, const LabelChoice& labels);
PredictorDataset quant_pairs(const RunContext& ctx, const std::vector<QuantRecord>& records, const LabelChoice& labels);

}  // namespace apq
