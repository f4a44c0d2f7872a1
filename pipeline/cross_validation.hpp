// The predictors judged on every pair: K-fold cross-validation. The predictor stage's held-out
// split is small where labels are few (16-24 quantized pairs), too small to tell whether a
// predictor is within 0.05 of its labels' ceiling; with predictor.cv-folds = K every pair is
// predicted once by the ensemble trained without its fold, with the stage's own recipe.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/predictor_ensemble.hpp"
#include "kernels/predictor_metrics.hpp"
#include "pipeline/predictor_data.hpp"

namespace apq {

// Fold `fold` of `folds` holds out the pairs at positions fold, fold + folds, ... of a seeded
// permutation (`held`, when given, receives their indices in `all`); the rest are trained on.
Split fold_split(const PredictorDataset& all, int folds, int fold, std::uint64_t seed, std::vector<int>* held = nullptr);

// An ensemble trained on `train` for fold `fold` (its seeds may depend on the fold).
using TrainEnsemble = std::function<PredictorEnsemble(const PredictorDataset& train, std::uint64_t fold)>;

// Every pair's prediction by the ensemble trained without its fold, scored against the labels
// (throws std::invalid_argument for fewer than 2 folds or more folds than pairs).
PredictorMetrics cross_validate(const PredictorDataset& all, int folds, std::uint64_t seed, const TrainEnsemble& train);

}  // namespace apq
