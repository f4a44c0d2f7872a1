// predictors.h5: the accuracy predictors and their held-out quality (layout in docs/HDF5.md).
// One group per predictor: "fp" (full precision), "quant" (transferred from fp, fine-tuned on the
// quantized dataset) and "quant_scratch" (same architecture trained from scratch on the quantized
// data: the baseline). Each save rewrites the file through "<path>.tmp" and a rename, keeping the
// other groups, so the file always holds complete predictors.
#pragma once
#include <cmath>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "io/named_arrays.hpp"
#include "io/run_meta.hpp"

namespace apq {

inline constexpr const char* kFpPredictor = "fp";
inline constexpr const char* kQuantPredictor = "quant";
inline constexpr const char* kQuantScratchPredictor = "quant_scratch";

struct PredictorQuality {
  std::int64_t arch_size = 0;    // width of the architecture encoding
  std::int64_t policy_size = 0;  // width of the policy encoding (0 for the fp predictor)
  std::vector<std::int64_t> hidden;  // hidden layer widths
  std::int64_t epochs = 0;
  std::int64_t n_train = 0;
  std::int64_t n_heldout = 0;
  double rmse = 0.0;         // on the held-out set, accuracy as a fraction
  double pearson = 0.0;
  double kendall_tau = 0.0;
  double kendall_tau_se = std::nan("");  // its standard error (jackknife); NaN in files from before it
  double mean_target = 0.0;  // mean held-out accuracy (fraction)
  // By K-fold cross-validation over every pair (predictor.cv-folds, pipeline/cross_validation.hpp):
  // 0 folds and NaN when it was off, and in files from before it.
  std::int64_t cv_folds = 0;
  double cv_kendall_tau = std::nan("");
  double cv_kendall_tau_se = std::nan("");
  // The labels it learned and how far they can be trusted (kernels/label_reliability.hpp): the
  // held-out figures above are read against these.
  std::string label_target;          // "top1", "loss" or "blend"
  std::int64_t label_items = 0;      // items the reliability was measured on (the whole dataset)
  double label_split_half_tau = 0.0;      // Kendall tau between the two halves' scores
  double label_split_half_pearson = 0.0;  // Pearson r between them
  double label_reliability = 0.0;         // Spearman-Brown 2r / (1 + r)
  double label_tau_ceiling = 0.0;         // Kendall tau an error-free predictor would reach
};

struct PredictorRecord : PredictorQuality {
  std::vector<NamedArrays> members;       // the weights of each ensemble member ("members/<i>")
  std::vector<double> heldout_target;     // measured accuracy of each held-out item (fraction)
  std::vector<double> heldout_predicted;  // the predictor's output for it (the members' mean)
  std::vector<double> heldout_stddev;     // the members' standard deviation for it
};

// Stores `record` as group `name` (letters, digits and '_'), replacing an older one of that name.
// Throws, leaving the file alone, for a file of another run or inconsistent held-out sizes.
void save_predictor(const std::string& path, const RunMeta& meta, const std::string& name,
                    const PredictorRecord& record);

// nullopt when the file or the group does not exist.
std::optional<PredictorRecord> load_predictor(const std::string& path, const RunMeta& meta,
                                              const std::string& name);

// Every predictor of a file in file order, with or without weights (apq-h5 reads without).
struct PredictorFile {
  RunMeta meta;
  std::vector<std::pair<std::string, PredictorRecord>> predictors;
};
PredictorFile read_predictors(const std::string& path, bool with_weights);

}  // namespace apq
