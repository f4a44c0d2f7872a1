#include "pipeline/predictor_recipes.hpp"

namespace apq {
namespace {

// An ensemble trained afresh: full precision on the FP pairs, or quantization-aware on the
// quantized ones (the baseline transfer is judged against).
TrainEnsemble fresh_recipe(const RunContext& ctx, bool quantization_aware) {
  return [&ctx, quantization_aware](const PredictorDataset& train, std::uint64_t fold) {
    const auto& o = ctx.pipeline().predictor;
    PredictorConfig config;
    config.hidden = o.hidden;
    config.quantization_aware = quantization_aware;
    config.bitops_input = quantization_aware && o.bitops_input;
    const char* stream = quantization_aware ? "predictor-scratch" : "predictor-init";
    return PredictorEnsemble::train(*ctx.encoding, config, train, quantization_aware ? o.quant : o.fp, o.members,
                                    derive_seed(ctx.options.seed, stream_tag(stream), fold));
  };
}

}  // namespace

TrainEnsemble fp_recipe(const RunContext& ctx) { return fresh_recipe(ctx, false); }

TrainEnsemble transfer_recipe(const RunContext& ctx, const PredictorEnsemble& full_precision) {
  return [&ctx, &full_precision](const PredictorDataset& train, std::uint64_t fold) {
    const auto& o = ctx.pipeline().predictor;
    return full_precision.transfer(train, o.quant, derive_seed(ctx.options.seed, stream_tag("predictor-transfer"), fold),
                                   o.bitops_input);
  };
}

TrainEnsemble scratch_recipe(const RunContext& ctx) { return fresh_recipe(ctx, true); }

Split fp_split(const RunContext& ctx, const PredictorDataset& all) {
  return split_pairs(all, ctx.pipeline().predictor.fp.holdout_fraction,
                     derive_seed(ctx.options.seed, stream_tag("fp-holdout"), 0));
}

std::uint64_t cross_validation_seed(const RunContext& ctx) {
  return derive_seed(ctx.options.seed, stream_tag("predictor-cv"), 0);
}

}  // namespace apq
