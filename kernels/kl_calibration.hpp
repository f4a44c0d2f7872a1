// Range calibration by KL divergence (the entropy calibration TensorRT describes): given a
// histogram of |x| over [0, max], pick the clipping threshold whose quantized distribution is
// closest to the original one. Used for activations below 5 bits, where clipping outliers buys
// resolution for the bulk. Torch-free (it works on plain histograms).
#pragma once
#include <vector>

namespace apq {

struct KlResult {
  double threshold = 0.0;  // clip value, in the histogram's units
  int bins = 0;            // histogram bins kept below the threshold
  double divergence = 0.0; // KL(P || Q) at the threshold
};

// `histogram[i]` counts values in [i, i+1) * bin_width, with bin_width = max_value / size; the last
// bin includes max_value. `levels` is the number of non-negative quantization levels the range is
// split into (2^b for unsigned b bits, 2^(b-1) for signed b bits). Candidates are thresholds at
// bin edges from `levels` bins up to all bins; of candidates equal up to rounding, the smallest.
// Throws std::invalid_argument for an empty, all-zero or non-finite histogram, max_value <= 0,
// levels < 2, or fewer bins than levels.
KlResult kl_threshold(const std::vector<double>& histogram, double max_value, int levels);

// KL(P || Q) of two unnormalised histograms of equal size (normalised here); bins where P is 0 add
// nothing, a bin where P > 0 and Q == 0 is smoothed with a tiny Q. Exposed for tests.
double kl_divergence(const std::vector<double>& p, const std::vector<double>& q);

}  // namespace apq
