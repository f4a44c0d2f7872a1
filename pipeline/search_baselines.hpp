// The search stage's baselines (search.baselines): after the joint search, rank 0 searches the
// simpler methods under the same budget and predictors, each into its own search.h5 group with
// one result: "staged" (architecture first, then policy), "random" (the best of as many random
// samples as the joint search made predictor calls) and "uniform<bits>" (the best full-precision
// architecture quantized uniformly at the space's highest and lowest bit widths). A method that
// finds nothing within the budget is stored with no result. finalize fine-tunes and measures them
// next to the joint winners.
#pragma once
#include <string>
#include <vector>

#include "pipeline/run_context.hpp"

namespace apq {

// The baseline methods' group names in search.h5, in the order finalize lists them.
std::vector<std::string> baseline_methods(const SearchSpace& space);

// Searches those not yet in search.h5 (`path`); needs the completed joint set.
void search_baselines(const RunContext& ctx, const std::string& path);

}  // namespace apq
