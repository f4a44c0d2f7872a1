#include "pipeline/cross_validation.hpp"

#include <stdexcept>
#include <string>

namespace apq {

Split fold_split(const PredictorDataset& all, int folds, int fold, std::uint64_t seed, std::vector<int>* held) {
  const std::vector<int> order = shuffled_order(all.archs.size(), seed);
  Split s;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const bool out = static_cast<int>(k % static_cast<std::size_t>(folds)) == fold;
    PredictorDataset& part = out ? s.heldout : s.train;
    part.archs.push_back(all.archs[order[k]]);
    if (!all.policies.empty()) part.policies.push_back(all.policies[order[k]]);
    part.accuracy.push_back(all.accuracy[order[k]]);
    if (out && held) held->push_back(order[k]);
  }
  return s;
}

PredictorMetrics cross_validate(const PredictorDataset& all, int folds, std::uint64_t seed, const TrainEnsemble& train) {
  if (folds < 2 || static_cast<std::size_t>(folds) > all.archs.size())
    throw std::invalid_argument("cross-validation: " + std::to_string(folds) + " folds of " +
                                std::to_string(all.archs.size()) + " pairs");
  std::vector<float> predicted(all.archs.size());
  for (int fold = 0; fold < folds; ++fold) {
    std::vector<int> held;
    const Split split = fold_split(all, folds, fold, seed, &held);
    std::vector<float> mean, spread;
    train(split.train, static_cast<std::uint64_t>(fold)).predict(split.heldout.archs, split.heldout.policies, mean, spread);
    for (std::size_t i = 0; i < held.size(); ++i) predicted[static_cast<std::size_t>(held[i])] = mean[i];
  }
  return evaluate_predictions(predicted, all.accuracy);
}

}  // namespace apq
