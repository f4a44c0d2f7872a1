// How far the predictor is from the same networks measured as its labels are (collect-quant's
// shorter fine-tune, which is what it learned), what finalize's longer fine-tune adds on top, and
// how far the forecast of the finalized accuracy (prediction + the gain measured beforehand on
// labelled items) is from what finalize measured. Shared by finalize's table and report.md
// (docs/PREDICTOR-AND-SEARCH.md).
#pragma once
#include <limits>
#include <utility>
#include <vector>

namespace apq {

// What finalize's recipe adds to a label (its top-1 with finalize's recipe minus with the
// labels'), measured on `items` labelled items that are not the finalists; percentage points.
struct FinetuneGain {
  int items = 0;
  double mean = 0.0, sd = 0.0, se = 0.0;  // se: of the mean
};
// From (label's top-1, the same item's top-1 after finalize's recipe) pairs, as fractions.
FinetuneGain finetune_gain(const std::vector<std::pair<double, double>>& label_then_finalized);

// One finalized network's accuracies, as fractions; as_labelled and forecast are NaN when they
// were not measured or made.
struct CheckedNetwork {
  double predicted = 0.0, as_labelled = 0.0, finalized = 0.0;
  double forecast = std::numeric_limits<double>::quiet_NaN();
  double forecast_sd = std::numeric_limits<double>::quiet_NaN();  // the forecast's expected error
};

// In percentage points, over the networks measured as labelled (`networks`; 0: nothing else set)
// and over those with a forecast (`forecasts`).
struct PredictionCheck {
  int networks = 0;
  double mean_error = 0.0, rmse = 0.0, worst = 0.0;  // as labelled minus predicted
  double mean_gain = 0.0, gain_sd = 0.0;             // finalized minus as labelled
  int forecasts = 0;
  double forecast_mean_error = 0.0, forecast_worst = 0.0;  // finalized minus forecast
  int within_one_sd = 0, within_two_sd = 0;  // forecasts that far from what finalize measured
};
PredictionCheck prediction_check(const std::vector<CheckedNetwork>& networks);

}  // namespace apq
