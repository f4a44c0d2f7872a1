// How far accuracy labels can be trusted, measured from the labels themselves: every item is
// scored on two fixed disjoint halves of the evaluation images (io/eval_score.hpp), and the
// agreement of the two halves across items is the labels' split-half reliability. Torch-free.
//
// For a target score s (top-1, -loss, or a blend of both), with r the Pearson correlation of the
// halves' scores across items:
//   reliability = 2r / (1 + r)          Spearman-Brown: the reliability of the full-length label,
//                                       i.e. the share of its variance across items that is signal;
//   tau_ceiling = (2/pi) asin(sqrt(reliability))
//                                       the Kendall tau an error-free predictor would reach against
//                                       these labels (bivariate normal), the ceiling for any predictor;
//   validity    = the correlation of s's true score with top-1's: one half's s against the other
//                 half's top-1, corrected for both halves' noise (r_cross / sqrt(r_s r_top1)).
//                 A reliable score may measure something else than accuracy (confidence);
//   worth       = sqrt(reliability) x min(validity, 1): the label's correlation with the true top-1.
// bench/label_target_bench measures more targets. On real runs top-1, loss and blend have
// validity 0.91-1 (docs/LABELS.md); choosing by worth instead of reliability was
// tried on the quick run (blend instead of loss) and found no better winners.
// The halves see evaluation noise only: noise that both halves share (one BN calibration set,
// one fine-tune) is not in these figures.
#pragma once
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include "base/eval_score.hpp"

namespace apq {

enum class LabelTarget { top1 = 0, loss = 1, blend = 2 };
constexpr int kLabelTargets = 3;
const char* label_target_name(LabelTarget t);  // "top1", "loss", "blend"
// Throws std::invalid_argument naming the accepted names.
LabelTarget parse_label_target(const std::string& name);

struct SplitHalf {
  int items = 0;
  double kendall_tau = 0.0;  // between the halves' scores
  double pearson = 0.0;      // between the halves' scores
  double reliability = 0.0;  // Spearman-Brown, of the full-length label
  double tau_ceiling = 0.0;  // expected Kendall tau of an error-free predictor against the labels
  double validity = std::nan("");  // of a target against top-1 (choose_labels); NaN when a half has no signal
  double worth = std::nan("");     // sqrt(reliability) x min(validity, 1)
};

// Of paired half scores (throws std::invalid_argument for different sizes or fewer than 3 items).
SplitHalf split_half(const std::vector<double>& a, const std::vector<double>& b);

// Each target's full-length score and its halves, per item ("loss" is negated: higher is better;
// "blend" is the sum of the z-scores of top-1 and -loss).
struct TargetScores {
  std::vector<double> full, even, odd;
};
TargetScores target_scores(const std::vector<EvalScore>& scores, LabelTarget target);

struct LabelChoice {
  LabelTarget target = LabelTarget::top1;
  SplitHalf reliability[kLabelTargets];  // of every target, by LabelTarget
  // The label of each item in accuracy units: top-1 regressed linearly on the chosen target's
  // score (for "top1", top-1 itself), so predictions read as validation top-1.
  std::vector<double> labels;
  const SplitHalf& chosen() const { return reliability[static_cast<int>(target)]; }
};

// The most reliable target among those that measure accuracy (validity >= kMinValidity, or not
// measurable because a half carries no signal), or `forced`. Top-1 is always eligible.
constexpr double kMinValidity = 0.8;
LabelChoice choose_labels(const std::vector<EvalScore>& scores, std::optional<LabelTarget> forced = std::nullopt);

}  // namespace apq
