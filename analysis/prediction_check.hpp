// How far the predictor is from the same networks measured as its labels are (collect-quant's
// shorter fine-tune, which is what it learned), and what finalize's longer fine-tune adds on top.
// Shared by finalize's table and report.md (docs/PREDICTOR-AND-SEARCH.md).
#pragma once
#include <vector>

namespace apq {

// One finalized network's accuracies, as fractions; as_labelled is NaN when it was not measured.
struct CheckedNetwork {
  double predicted = 0.0, as_labelled = 0.0, finalized = 0.0;
};

// In percentage points, over the networks measured as labelled (`networks`; 0: nothing else set).
struct PredictionCheck {
  int networks = 0;
  double mean_error = 0.0, rmse = 0.0, worst = 0.0;  // as labelled minus predicted
  double mean_gain = 0.0, gain_sd = 0.0;             // finalized minus as labelled
};
PredictionCheck prediction_check(const std::vector<CheckedNetwork>& networks);

}  // namespace apq
