// Where the BitOps input's values come from: a predictor with the BitOps input takes the BitOps
// its caller already has (the search's cost function has just computed them) and computes them
// itself only when they are not given or not known; an ensemble computes them once for all its
// members. Either way the predictions are the same.
#include <gtest/gtest.h>

#include <vector>

#include "base/rng.hpp"
#include "kernels/evolution.hpp"
#include "kernels/predictor.hpp"
#include "kernels/predictor_ensemble.hpp"

namespace apq {
namespace {

class PredictorGivenBitopsTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};
  Encoding encoding{space};
  CostModel costs{space};
  std::vector<Individual> individuals;

  void SetUp() override {
    Rng rng(3);
    for (int i = 0; i < 150; ++i) {  // more than one chunk of candidates
      Individual ind;
      ind.arch = space.sample(rng);
      ind.policy = space.sample_policy(ind.arch, rng);
      ind.costs = costs.costs(ind.arch, ind.policy);
      individuals.push_back(ind);
    }
  }
  // A quantization-aware predictor whose BitOps layer matters (a trained one is never zero).
  PredictorHandle with_bitops_layer(std::uint64_t seed) const {
    PredictorConfig c;
    c.hidden = {24, 16};
    c.quantization_aware = true;
    c.bitops_input = true;
    PredictorWeights w = PredictorHandle(encoding, c, seed).weights();
    Rng rng(seed + 100);
    for (float& v : w.bitops_layer.weight) v = static_cast<float>(rng.uniform() - 0.5) * 0.2f;
    for (float& v : w.bitops_layer.bias) v = static_cast<float>(rng.uniform() - 0.5);
    return PredictorHandle(encoding, std::move(w));
  }
  std::vector<double> bitops(double factor) const {
    std::vector<double> out;
    for (const Individual& ind : individuals) out.push_back(factor * ind.costs.bitops);
    return out;
  }
};

TEST_F(PredictorGivenBitopsTest, HandleTakesTheCallersBitopsAndComputesThemOtherwise) {
  const PredictorHandle p = with_bitops_layer(1);
  const CandidateViews views(individuals);
  ASSERT_NE(views.bitops(), nullptr);
  const std::size_t n = views.size();
  std::vector<float> computed(n), given(n), doubled(n);
  p.predict(n, views.archs(), views.policies(), computed.data());
  p.predict(n, views.archs(), views.policies(), given.data(), bitops(1.0).data());
  p.predict(n, views.archs(), views.policies(), doubled.data(), bitops(2.0).data());
  EXPECT_EQ(given, computed);
  EXPECT_NE(doubled, computed);  // the given values are what it uses
  EXPECT_EQ(predictor_fitness(p)(individuals), computed);
}

TEST_F(PredictorGivenBitopsTest, EnsembleComputesThemOnceForItsMembersWithTheSameResult) {
  std::vector<PredictorHandle> members;
  for (std::uint64_t seed : {4, 5, 6}) members.push_back(with_bitops_layer(seed));
  const PredictorEnsemble ensemble(std::move(members));
  const CandidateViews views(individuals);
  const std::size_t n = views.size();
  std::vector<float> mean(n), spread(n), given_mean(n), given_spread(n);
  ensemble.predict(n, views.archs(), views.policies(), mean.data(), spread.data());
  ensemble.predict(n, views.archs(), views.policies(), given_mean.data(), given_spread.data(), bitops(1.0).data());
  EXPECT_EQ(given_mean, mean);
  EXPECT_EQ(given_spread, spread);
  for (std::size_t i = 0; i < n; ++i) {  // member by member, each computing its own
    double sum = 0;
    for (std::size_t k = 0; k < ensemble.size(); ++k) sum += ensemble.member(k).predict_one(*views.archs()[i], views.policies()[i]);
    EXPECT_NEAR(mean[i], sum / static_cast<double>(ensemble.size()), 1e-6) << i;
  }

  const double penalty = 0.7;
  std::vector<float> expected(n);
  for (std::size_t i = 0; i < n; ++i) expected[i] = mean[i] - static_cast<float>(penalty) * spread[i];
  EXPECT_EQ(ensemble_fitness(ensemble, penalty)(individuals), expected);
  // Individuals whose costs were never computed: the ensemble computes the BitOps itself.
  std::vector<Individual> unknown = individuals;
  unknown[7].costs = Costs{};
  EXPECT_EQ(CandidateViews(unknown).bitops(), nullptr);
  EXPECT_EQ(ensemble_fitness(ensemble, penalty)(unknown), expected);
  // Costs that say other BitOps are believed: the fitness takes the search's costs.
  std::vector<Individual> doubled = individuals;
  for (Individual& ind : doubled) ind.costs.bitops *= 2.0;
  EXPECT_NE(ensemble_fitness(ensemble, penalty)(doubled), expected);
}

TEST_F(PredictorGivenBitopsTest, EnsembleRefusesMembersThatDisagreeOnTheInput) {
  PredictorConfig c;
  c.hidden = {24, 16};
  c.quantization_aware = true;
  std::vector<PredictorHandle> members;
  members.push_back(with_bitops_layer(7));
  members.emplace_back(encoding, c, 8);
  EXPECT_THROW(PredictorEnsemble{std::move(members)}, std::invalid_argument);
}

}  // namespace
}  // namespace apq
