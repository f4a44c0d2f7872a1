// Quality of a predictor on held-out pairs: RMSE, Pearson correlation and Kendall's tau-b.
// Torch-free; Kendall's tau is O(n log n) (Knight's algorithm), so it is fine on 80k pairs.
#pragma once
#include <vector>

namespace apq {

struct PredictorMetrics {
  int count = 0;        // held-out pairs the figures below are computed on
  double rmse = 0.0;
  double pearson = 0.0;
  double kendall_tau = 0.0;
  double kendall_tau_se = 0.0;  // its standard error (kendall_tau_standard_error)
  // Filled by training (0 when only metrics were computed).
  int epochs = 0;             // epochs run before early stopping
  int best_epoch = 0;         // epoch whose weights were kept
  double train_loss = 0.0;    // mean squared error on the training part at the best epoch
  double holdout_loss = 0.0;  // mean squared error on the held-out part at the best epoch
  int train_count = 0;        // pairs trained on
  // The held-out pairs (for stores and plots): their index in the dataset, target, prediction.
  std::vector<int> holdout_index;
  std::vector<float> holdout_truth, holdout_predicted;
};

// Throws std::invalid_argument when the sizes differ or fewer than 2 pairs are given.
double rmse(const std::vector<float>& predicted, const std::vector<float>& truth);
// 0 when either side is constant.
double pearson(const std::vector<float>& predicted, const std::vector<float>& truth);
// Kendall's tau-b (ties counted as in the tau-b definition); 0 when either side is constant.
double kendall_tau(const std::vector<float>& predicted, const std::vector<float>& truth);
// The standard error of kendall_tau on these pairs, by the delete-a-group jackknife over at most
// 50 groups (pair i in group i mod groups; each pair its own group below 50 pairs): how far a
// held-out tau can be trusted as a figure of the predictor. About 0.06-0.09 on 60 pairs, so
// differences of a few hundredths between predictors on so few pairs are not differences.
// Deterministic. Needs at least 4 pairs (throws std::invalid_argument otherwise).
double kendall_tau_standard_error(const std::vector<float>& predicted, const std::vector<float>& truth);
// The O(n^2) definition, for testing the fast one on small inputs.
double kendall_tau_quadratic(const std::vector<float>& predicted, const std::vector<float>& truth);

PredictorMetrics evaluate_predictions(const std::vector<float>& predicted, const std::vector<float>& truth);

}  // namespace apq
