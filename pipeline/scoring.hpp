// How candidates are scored in the search: a stored predictor ensemble (fitness = mean -
// search.uncertainty-penalty x std) and the scenario's cost table (costs). Loaded from
// predictors.h5 (the scenario's, once a search round retrained it; else the run's) and the
// scenario's costs.h5 by whichever rank needs them.
#pragma once
#include <memory>
#include <string>

#include "io/predictor_store.hpp"
#include "kernels/cost_model.hpp"
#include "kernels/evolution.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

struct Scoring {
  std::shared_ptr<PredictorEnsemble> predictor;
  std::shared_ptr<CostModel> costs;
  FitnessFn fitness;  // keeps `predictor` alive
  CostFn cost;        // keeps `costs` alive
};

// `name` is a predictor of predictors.h5 (kFpPredictor, kQuantPredictor, ...).
Scoring load_scoring(const RunContext& ctx, const std::string& name);
// The stored predictor the search scores with (its weights and held-out quality).
PredictorRecord load_search_predictor(const RunContext& ctx, const std::string& name);
std::shared_ptr<CostModel> load_cost_model(const RunContext& ctx);

}  // namespace apq
