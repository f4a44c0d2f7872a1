// What the search stage and its baselines share: a found individual as a search.h5 result row
// (predicted by the quantization-aware ensemble, with its spread), its one-paragraph description,
// and whether a method's results are already on disk (resume).
#pragma once
#include <string>

#include "io/search_store.hpp"
#include "kernels/evolution.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "launch/run_context.hpp"

namespace apq {

SearchBudget store_budget(const Budget& b);

// The predicted accuracy of a result is the ensemble's mean, with its spread; the individual's
// fitness (mean - penalty x spread) is only what the search ranked by.
SearchResult to_result(const RunContext& ctx, const PredictorEnsemble& predictor, const Individual& ind, int rank,
                       int island);

std::string describe(const SearchResult& r);

bool has_results(const std::string& path, const std::string& method);

}  // namespace apq
