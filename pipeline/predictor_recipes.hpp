// The predictor stage's three training recipes, each as a TrainEnsemble so that the stored
// ensemble (fold 0's seeds) and every cross-validation fold are trained alike: the
// full-precision ensemble, the quantization-aware one transferred from it, and the same trained
// from scratch. Shared by the stage, the search rounds' retraining and bench/predictor_cv_bench.
#pragma once
#include <cstdint>

#include "pipeline/cross_validation.hpp"

namespace apq {

TrainEnsemble fp_recipe(const RunContext& ctx);
// `full_precision` must outlive the returned recipe.
TrainEnsemble transfer_recipe(const RunContext& ctx, const PredictorEnsemble& full_precision);
TrainEnsemble scratch_recipe(const RunContext& ctx);

// The full-precision pairs' split (the quantized pairs': quant_split).
Split fp_split(const RunContext& ctx, const PredictorDataset& all);
// The seed of the folds' permutation.
std::uint64_t cross_validation_seed(const RunContext& ctx);

}  // namespace apq
