// The predictor ensemble: mean and spread of its members, spread as uncertainty, the penalised
// fitness the search ranks by.
#include "kernels/predictor_ensemble.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "base/rng.hpp"
#include "kernels/search_space.hpp"
#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/tiny_space.hpp"

namespace apq {
namespace {

PredictorConfig small_config() {
  PredictorConfig c;
  c.hidden = {32, 32};
  return c;
}

TrainOptions quick_options() {
  TrainOptions o;
  o.max_epochs = 80;
  o.patience = 20;
  o.batch_size = 16;
  o.learning_rate = 3e-3;
  return o;
}

double mean_of(const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0) / double(v.size()); }

TEST(PredictorEnsemble, IdenticalMembersHaveNoSpreadAndPredictAsOne) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const Encoding encoding(space);
  const PredictorHandle one(encoding, small_config(), 5);
  std::vector<PredictorHandle> copies;
  for (int i = 0; i < 3; ++i) copies.push_back(PredictorHandle(encoding, one.weights()));
  const PredictorEnsemble ensemble(std::move(copies));
  Rng rng(6);
  std::vector<Arch> archs;
  for (int i = 0; i < 20; ++i) archs.push_back(space.sample(rng));
  std::vector<float> mean, spread, single(archs.size());
  ensemble.predict(archs, {}, mean, spread);
  one.predict(archs, {}, single.data());
  for (std::size_t i = 0; i < archs.size(); ++i) {
    EXPECT_FLOAT_EQ(mean[i], single[i]);
    EXPECT_EQ(spread[i], 0.0f);
  }
}

TEST(PredictorEnsemble, SpreadGrowsOffTheData) {
  const SearchSpace space(test::tiny_two_stage_spec());
  const Encoding encoding(space);
  const SyntheticAccuracy truth(space, 3);
  // Trained only on architectures whose every block has kernel 3; asked about kernel 5 too.
  Rng rng(8);
  PredictorDataset on_data;
  std::vector<Arch> off_data;
  while (on_data.archs.size() < 60 || off_data.size() < 60) {
    Arch a = space.sample(rng);
    const bool all_k3 = std::all_of(a.kernel.begin(), a.kernel.end(), [](int k) { return k == 3; });
    if (all_k3 && on_data.archs.size() < 60) {
      on_data.archs.push_back(a);
      on_data.accuracy.push_back(static_cast<float>(truth.full_precision(a)));
    }
    std::fill(a.kernel.begin(), a.kernel.end(), 5);
    if (off_data.size() < 60) off_data.push_back(a);
  }
  const PredictorEnsemble ensemble =
      PredictorEnsemble::train(encoding, small_config(), on_data, quick_options(), 5, 11);
  ASSERT_EQ(ensemble.size(), 5u);
  ASSERT_EQ(ensemble.training().size(), 5u);
  std::vector<float> mean, on_spread, off_spread;
  ensemble.predict(on_data.archs, {}, mean, on_spread);
  ensemble.predict(off_data, {}, mean, off_spread);
  EXPECT_GT(mean_of(on_spread), 0.0);
  EXPECT_GT(mean_of(off_spread), 2.0 * mean_of(on_spread)) << mean_of(off_spread) << " vs " << mean_of(on_spread);
}

TEST(PredictorEnsemble, ThePenaltyChangesWhichCandidateWins) {
  // Two candidates: A predicted higher on average but with members that disagree, B a little
  // lower with members that agree. Without a penalty A wins; with penalty 1, B.
  const SearchSpace space(test::tiny_two_stage_spec());
  const Encoding encoding(space);
  const Arch a = space.largest(), b = space.smallest();
  auto member = [&](float at_a, float at_b) {
    PredictorWeights w = init_predictor_weights(encoding, small_config(), 1);
    // Zero every weight, then let the output bias and one arch-layer unit encode the two values.
    auto zero = [](LinearWeights& l) {
      std::fill(l.weight.begin(), l.weight.end(), 0.0f);
      std::fill(l.bias.begin(), l.bias.end(), 0.0f);
    };
    zero(w.arch_layer);
    zero(w.output_layer);
    for (auto& l : w.hidden_layers) zero(l);
    w.output_layer.bias[0] = at_b;
    // Unit 0 fires for features of `a` not in `b`: arch layer -> hidden chain of identities on unit 0.
    const std::vector<float> code_a = encoding.encode_arch(a), code_b = encoding.encode_arch(b);
    double extra = 0;
    for (int i = 0; i < w.arch_layer.in; ++i) {
      const float d = code_a[i] - code_b[i];
      w.arch_layer.weight[i] = d;  // row 0
      extra += d * code_a[i];
    }
    for (auto& l : w.hidden_layers) l.weight[0] = 1.0f;
    w.output_layer.weight[0] = static_cast<float>((at_a - at_b) / extra);
    return PredictorHandle(encoding, w);
  };
  std::vector<PredictorHandle> members;
  members.push_back(member(0.95f, 0.80f));
  members.push_back(member(0.75f, 0.80f));  // A: mean 0.85, std 0.10; B: 0.80, std 0
  const PredictorEnsemble ensemble(std::move(members));
  std::vector<Individual> candidates(2);
  candidates[0].arch = a;
  candidates[0].policy = space.uniform_policy(a, 8);
  candidates[1].arch = b;
  candidates[1].policy = space.uniform_policy(b, 8);
  const auto plain = ensemble_fitness(ensemble, 0.0)(candidates);
  const auto careful = ensemble_fitness(ensemble, 1.0)(candidates);
  EXPECT_NEAR(plain[0], 0.85f, 1e-5);
  EXPECT_NEAR(plain[1], 0.80f, 1e-5);
  EXPECT_GT(plain[0], plain[1]);
  EXPECT_NEAR(careful[0], 0.75f, 1e-5);
  EXPECT_LT(careful[0], careful[1]);
}

}  // namespace
}  // namespace apq
