// What the search stage and its baselines share: a found individual as a search.h5 result row
// (predicted by the quantization-aware ensemble, with its spread), its one-paragraph description,
// and whether a method's results are already on disk (resume).
#pragma once
#include <string>

#include "io/search_store.hpp"
#include "kernels/evolution.hpp"
#include "kernels/predictor_ensemble.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

SearchBudget store_budget(const Budget& b);

// The predicted accuracy of a result is the ensemble's mean, with its spread; the individual's
// fitness (mean - penalty x spread) is only what the search ranked by.
SearchResult to_result(const RunContext& ctx, const PredictorEnsemble& predictor, const Individual& ind, int rank,
                       int island);

std::string describe(const SearchResult& r);

bool has_results(const std::string& path, const std::string& method);

// Writes a method's set of search.h5 (or a front file): any partial history of an unfinished
// search dropped, then the history, then the results, which mark the set complete.
void write_search_set(const RunContext& ctx, const std::string& path, const std::string& method, const Budget& budget,
                      const std::vector<HistoryRow>& history, const std::vector<SearchResult>& results);

// The costs a result row records (MACs are not kept in search.h5: 0).
Costs costs_of(const SearchResult& r);

}  // namespace apq
