// The label target: the most reliable one that measures accuracy (validity against top-1), both
// measured from the two halves of each item's evaluation images; synthetic items with a known truth.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "base/rng.hpp"
#include "kernels/label_reliability.hpp"

namespace apq {
namespace {

double gaussian(Rng& rng) {  // Box-Muller from two uniforms in (0, 1)
  const double u = (rng.below(1 << 30) + 0.5) / (1 << 30), v = (rng.below(1 << 30) + 0.5) / (1 << 30);
  return std::sqrt(-2.0 * std::log(u)) * std::cos(6.283185307179586 * v);
}

// 400 items, true top-1 0.85 +- 0.01, each half's top-1 off by 0.01 of noise (reliability about
// 0.67); each half's loss from `loss_of(true top-1, item's rng)`.
template <class LossOf>
std::vector<EvalScore> items(bool accuracy_varies, LossOf loss_of) {
  Rng rng(5);
  std::vector<EvalScore> out;
  for (int i = 0; i < 400; ++i) {
    const double truth = accuracy_varies ? 0.85 + 0.01 * gaussian(rng) : 0.85;
    const double confidence = gaussian(rng);  // an item's own trait, unrelated to its accuracy
    EvalScore s;
    for (HalfScore* h : {&s.even, &s.odd}) {
      h->images = 5000;
      h->correct = static_cast<std::int64_t>(std::lround(5000 * (truth + (accuracy_varies ? 0.01 * gaussian(rng) : 0.0))));
      h->loss = loss_of(truth, confidence, rng);
    }
    s.images = 10000;
    s.top1 = static_cast<double>(s.even.correct + s.odd.correct) / 10000.0;
    s.loss = 0.5 * (s.even.loss + s.odd.loss);
    out.push_back(s);
  }
  return out;
}

const SplitHalf& of(const LabelChoice& c, LabelTarget t) { return c.reliability[static_cast<int>(t)]; }

TEST(LabelChoice, AReliableLossThatMeasuresConfidenceIsNotLearned) {
  const auto scores = items(true, [](double, double confidence, Rng& rng) { return 0.4 + 0.05 * confidence + 0.001 * gaussian(rng); });
  const LabelChoice c = choose_labels(scores);
  EXPECT_GT(of(c, LabelTarget::loss).reliability, 0.99);
  EXPECT_GT(of(c, LabelTarget::loss).reliability, of(c, LabelTarget::top1).reliability);  // reliability alone picks loss
  EXPECT_LT(std::abs(of(c, LabelTarget::loss).validity), 0.2);
  EXPECT_DOUBLE_EQ(of(c, LabelTarget::top1).validity, 1.0);
  EXPECT_NE(c.target, LabelTarget::loss);
  EXPECT_EQ(c.labels.size(), scores.size());
}

TEST(LabelChoice, AReliableLossThatMeasuresAccuracyIsLearned) {
  const auto scores = items(true, [](double truth, double, Rng& rng) { return 0.4 - 2.0 * (truth - 0.85) + 0.005 * gaussian(rng); });
  const LabelChoice c = choose_labels(scores);
  EXPECT_GT(of(c, LabelTarget::loss).reliability, 0.9);
  EXPECT_NEAR(of(c, LabelTarget::loss).validity, 1.0, 0.1);
  EXPECT_GT(of(c, LabelTarget::loss).worth, of(c, LabelTarget::top1).worth);
  EXPECT_EQ(c.target, LabelTarget::loss);
  // Labels in accuracy units: top-1 regressed on the loss, so their mean is top-1's.
  double label_mean = 0, top1_mean = 0;
  for (std::size_t i = 0; i < scores.size(); ++i) {
    label_mean += c.labels[i] / scores.size();
    top1_mean += scores[i].top1 / scores.size();
  }
  EXPECT_NEAR(label_mean, top1_mean, 1e-9);
}

TEST(LabelChoice, WithoutSignalInTopOneTheMostReliableIsLearned) {
  const auto scores = items(false, [](double, double confidence, Rng& rng) { return 0.4 + 0.05 * confidence + 0.01 * gaussian(rng); });
  const LabelChoice c = choose_labels(scores);
  EXPECT_TRUE(std::isnan(of(c, LabelTarget::loss).validity));  // no top-1 signal to measure validity by
  EXPECT_EQ(c.target, LabelTarget::loss);
  EXPECT_EQ(choose_labels(scores, LabelTarget::top1).target, LabelTarget::top1);  // forced
}

}  // namespace
}  // namespace apq
