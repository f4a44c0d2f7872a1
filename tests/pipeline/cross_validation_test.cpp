// K-fold cross-validation of a predictor recipe: every pair held out exactly once, and a real
// ensemble trained per fold ranks a learnable synthetic label well.
#include "pipeline/cross_validation.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "base/rng.hpp"
#include "tests/kernels/tiny_space.hpp"

namespace apq {
namespace {

// 60 architectures of the tiny space; the label grows with their kernel sizes and depth.
PredictorDataset synthetic(const SearchSpace& space) {
  Rng rng(4);
  PredictorDataset d;
  for (int i = 0; i < 60; ++i) {
    d.archs.push_back(space.sample(rng));
    const Arch& a = d.archs.back();
    const int kernels = std::accumulate(a.kernel.begin(), a.kernel.end(), 0);
    const int depth = std::accumulate(a.depth.begin(), a.depth.end(), 0);
    d.accuracy.push_back(0.7f + 0.004f * static_cast<float>(kernels) + 0.01f * static_cast<float>(depth));
  }
  return d;
}

TEST(CrossValidation, HoldsOutEveryPairOnce) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const PredictorDataset all = synthetic(space);
  std::vector<int> times(all.archs.size(), 0);
  for (int fold = 0; fold < 4; ++fold) {
    std::vector<int> held;
    const Split s = fold_split(all, 4, fold, 9, &held);
    EXPECT_EQ(s.train.archs.size() + s.heldout.archs.size(), all.archs.size());
    EXPECT_EQ(s.heldout.archs.size(), 15u);
    for (std::size_t i = 0; i < held.size(); ++i) {
      ++times[static_cast<std::size_t>(held[i])];
      EXPECT_EQ(s.heldout.archs[i], all.archs[static_cast<std::size_t>(held[i])]);
      EXPECT_EQ(s.heldout.accuracy[i], all.accuracy[static_cast<std::size_t>(held[i])]);
    }
  }
  EXPECT_TRUE(std::all_of(times.begin(), times.end(), [](int t) { return t == 1; }));
}

TEST(CrossValidation, ScoresEveryPairWithTheEnsembleTrainedWithoutIt) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const Encoding encoding(space);
  const PredictorDataset all = synthetic(space);
  PredictorConfig config;
  config.hidden = {16};
  TrainOptions options;
  options.max_epochs = 150;
  options.patience = 30;
  options.batch_size = 16;
  options.learning_rate = 3e-3;
  std::vector<std::size_t> trained_on;
  const TrainEnsemble train = [&](const PredictorDataset& data, std::uint64_t fold) {
    trained_on.push_back(data.archs.size());
    return PredictorEnsemble::train(encoding, config, data, options, 2, fold);
  };
  const PredictorMetrics m = cross_validate(all, 3, 5, train);
  EXPECT_EQ(trained_on, (std::vector<std::size_t>{40, 40, 40}));
  EXPECT_GT(m.kendall_tau, 0.5);  // a learnable label, ranked on pairs never trained on
  EXPECT_GT(m.kendall_tau_se, 0.0);
  EXPECT_THROW(cross_validate(all, 1, 5, train), std::invalid_argument);
  EXPECT_THROW(cross_validate(all, 61, 5, train), std::invalid_argument);
}

}  // namespace
}  // namespace apq
