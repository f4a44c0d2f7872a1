#include "kernels/predictor.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "base/rng.hpp"
#include "kernels/evolution.hpp"
#include "testing/synthetic_accuracy.hpp"

namespace apq {
namespace {

PredictorConfig small_config(bool quantization_aware) {
  PredictorConfig c;
  c.hidden = {64, 64, 64};
  c.quantization_aware = quantization_aware;
  return c;
}

// Pairs labelled by the SYNTHETIC ground truth (testing/synthetic_accuracy.hpp), not real data.
PredictorDataset synthetic_pairs(const SearchSpace& space, const SyntheticAccuracy& truth, int n, bool quantized,
                                 std::uint64_t seed) {
  Rng rng(seed);
  PredictorDataset d;
  for (int i = 0; i < n; ++i) {
    d.archs.push_back(space.sample(rng));
    if (quantized) {
      d.policies.push_back(space.sample_policy(d.archs.back(), rng));
      d.accuracy.push_back(static_cast<float>(truth.quantized(d.archs.back(), d.policies.back())));
    } else {
      d.accuracy.push_back(static_cast<float>(truth.full_precision(d.archs.back())));
    }
  }
  return d;
}

// Dense reference forward pass over the full one-hot vectors.
float dense_forward(const PredictorWeights& w, const std::vector<float>& arch, const std::vector<float>* policy) {
  auto linear = [](const LinearWeights& l, const std::vector<float>& x) {
    std::vector<float> y(l.out);
    for (int o = 0; o < l.out; ++o) {
      double s = l.bias[o];
      for (int i = 0; i < l.in; ++i) s += static_cast<double>(l.weight[static_cast<std::size_t>(o) * l.in + i]) * x[i];
      y[o] = static_cast<float>(s);
    }
    return y;
  };
  std::vector<float> h = linear(w.arch_layer, arch);
  for (float& v : h) v = std::max(v, 0.0f);
  if (policy) {
    const std::vector<float> p = linear(w.policy_layer, *policy);
    for (std::size_t j = 0; j < h.size(); ++j) h[j] += p[j];
  }
  for (const LinearWeights& l : w.hidden_layers) {
    h = linear(l, h);
    for (float& v : h) v = std::max(v, 0.0f);
  }
  return linear(w.output_layer, h)[0];
}

class PredictorTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};
  Encoding encoding{space};
  SyntheticAccuracy truth{space, 7};
};

TEST_F(PredictorTest, SparseInferenceMatchesDenseReference) {
  PredictorHandle qa(encoding, small_config(true), 3);
  Rng rng(11);
  std::vector<Arch> archs;
  std::vector<Policy> policies;
  for (int i = 0; i < 300; ++i) {  // more than one chunk of rows
    archs.push_back(space.sample(rng));
    policies.push_back(space.sample_policy(archs.back(), rng));
  }
  std::vector<float> out(archs.size());
  qa.predict(archs, policies, out.data());
  for (std::size_t i = 0; i < archs.size(); ++i) {
    const std::vector<float> p = encoding.encode_policy(archs[i], policies[i]);
    EXPECT_NEAR(out[i], dense_forward(qa.weights(), encoding.encode_arch(archs[i]), &p), 1e-4) << i;
  }
  PredictorHandle fp(encoding, small_config(false), 3);
  fp.predict(archs, {}, out.data());
  EXPECT_NEAR(out[5], dense_forward(fp.weights(), encoding.encode_arch(archs[5]), nullptr), 1e-4);
}

TEST_F(PredictorTest, Bf16InferenceIsCloseToFp32) {
  PredictorHandle qa(encoding, small_config(true), 3);
  if (!bf16_inference_supported()) {
    qa.set_inference_precision(InferencePrecision::bf16);
    EXPECT_EQ(qa.inference_precision(), InferencePrecision::fp32);  // falls back
    GTEST_SKIP() << "no AVX512-BF16 on this CPU";
  }
  Rng rng(12);
  std::vector<Arch> archs;
  std::vector<Policy> policies;
  for (int i = 0; i < 200; ++i) {
    archs.push_back(space.sample(rng));
    policies.push_back(space.sample_policy(archs.back(), rng));
  }
  std::vector<float> exact(archs.size()), fast(archs.size());
  qa.predict(archs, policies, exact.data());
  qa.set_inference_precision(InferencePrecision::bf16);
  ASSERT_EQ(qa.inference_precision(), InferencePrecision::bf16);
  qa.predict(archs, policies, fast.data());
  double spread = 0, worst = 0;
  for (std::size_t i = 0; i < exact.size(); ++i) {
    spread = std::max(spread, std::abs(static_cast<double>(exact[i]) - exact[0]));
    worst = std::max(worst, std::abs(static_cast<double>(exact[i]) - fast[i]));
  }
  EXPECT_GT(worst, 0.0);             // it really ran in bfloat16
  EXPECT_LT(worst, 0.02 * spread + 1e-3);  // and stayed close
}

TEST_F(PredictorTest, QuantizationAwarePredictorNeedsPolicies) {
  PredictorHandle qa(encoding, small_config(true), 3);
  std::vector<Arch> archs{space.largest()};
  float out = 0;
  EXPECT_THROW(qa.predict(archs, {}, &out), std::invalid_argument);
}

TEST_F(PredictorTest, TransferCopiesSharedWeightsExactly) {
  PredictorHandle fp(encoding, small_config(false), 5);
  TrainOptions opt;
  opt.max_epochs = 3;
  fp.train(synthetic_pairs(space, truth, 300, false, 1), opt);
  const PredictorHandle qa = fp.transfer(9);
  ASSERT_TRUE(qa.quantization_aware());
  const PredictorWeights& a = fp.weights();
  const PredictorWeights& b = qa.weights();
  EXPECT_EQ(a.arch_layer.weight, b.arch_layer.weight);
  EXPECT_EQ(a.arch_layer.bias, b.arch_layer.bias);
  ASSERT_EQ(a.hidden_layers.size(), b.hidden_layers.size());
  for (std::size_t i = 0; i < a.hidden_layers.size(); ++i) {
    EXPECT_EQ(a.hidden_layers[i].weight, b.hidden_layers[i].weight);
    EXPECT_EQ(a.hidden_layers[i].bias, b.hidden_layers[i].bias);
  }
  EXPECT_EQ(a.output_layer.weight, b.output_layer.weight);
  EXPECT_EQ(a.output_layer.bias, b.output_layer.bias);
  EXPECT_EQ(b.policy_layer.in, encoding.policy_size());
  EXPECT_EQ(b.policy_layer.out, 64);

  // With a zero policy layer the transferred predictor predicts exactly what the FP one does.
  const PredictorHandle zero = fp.transfer(9, true);
  Rng rng(2);
  const Arch arch = space.sample(rng);
  const Policy policy = space.sample_policy(arch, rng);
  EXPECT_EQ(zero.predict_one(arch, &policy), fp.predict_one(arch));
  EXPECT_THROW(qa.transfer(1), std::invalid_argument);
}

TEST_F(PredictorTest, PolicyChangesThePrediction) {
  PredictorHandle qa(encoding, small_config(true), 4);
  const Arch arch = space.largest();
  const Policy low = space.uniform_policy(arch, 4), high = space.uniform_policy(arch, 8);
  EXPECT_NE(qa.predict_one(arch, &low), qa.predict_one(arch, &high));
}

TEST_F(PredictorTest, SearchFitnessIsThePredictionWithTheRealBits) {
  PredictorHandle qa(encoding, small_config(true), 8);
  const FitnessFn fitness = predictor_fitness(qa);
  Rng rng(3);
  std::vector<Individual> pop(40);
  for (Individual& ind : pop) {
    ind.arch = space.sample(rng);
    ind.policy = space.sample_policy(ind.arch, rng);
  }
  pop[1].arch = pop[0].arch;
  pop[1].policy = space.uniform_policy(pop[0].arch, 4);
  pop[0].policy = space.uniform_policy(pop[0].arch, 8);
  const std::vector<float> f = fitness(pop);
  ASSERT_EQ(f.size(), pop.size());
  for (std::size_t i = 0; i < pop.size(); ++i) EXPECT_NEAR(f[i], qa.predict_one(pop[i].arch, &pop[i].policy), 1e-5);
  EXPECT_NE(f[0], f[1]);  // same arch, different bits: the search sees the bits
}

TEST_F(PredictorTest, NamedArraysRoundTripAndShapeChecks) {
  PredictorHandle qa(encoding, small_config(true), 6);
  const NamedArrays arrays = qa.save();
  ASSERT_EQ(arrays.front().name, "arch.weight");
  EXPECT_EQ(arrays.front().shape, (std::vector<std::int64_t>{64, encoding.arch_size()}));
  const PredictorHandle back = PredictorHandle::load(encoding, arrays);
  const Arch arch = space.smallest();
  const Policy policy = space.uniform_policy(arch, 6);
  EXPECT_EQ(back.predict_one(arch, &policy), qa.predict_one(arch, &policy));

  NamedArrays broken = arrays;
  broken[2].shape = {3, 3};  // policy.weight
  EXPECT_THROW(PredictorHandle::load(encoding, broken), std::invalid_argument);
  NamedArrays missing(arrays.begin() + 1, arrays.end());
  EXPECT_THROW(PredictorHandle::load(encoding, missing), std::invalid_argument);
  SpaceSpec other = default_fmnist_space();
  other.stages.pop_back();
  const SearchSpace other_space(other);
  const Encoding other_encoding(other_space);
  EXPECT_THROW(PredictorHandle::load(other_encoding, arrays), std::invalid_argument);
}

TEST_F(PredictorTest, TrainingIsDeterministicForASeed) {
  const PredictorDataset data = synthetic_pairs(space, truth, 400, true, 3);
  TrainOptions opt;
  opt.max_epochs = 5;
  opt.seed = 12;
  PredictorHandle a(encoding, small_config(true), 1), b(encoding, small_config(true), 1);
  const PredictorMetrics ma = a.train(data, opt), mb = b.train(data, opt);
  EXPECT_EQ(a.weights().hidden_layers[0].weight, b.weights().hidden_layers[0].weight);
  EXPECT_EQ(ma.rmse, mb.rmse);
}

TEST_F(PredictorTest, FreshTrainingStartsOutputBiasAtMeanAccuracy) {
  const PredictorDataset data = synthetic_pairs(space, truth, 200, false, 4);
  PredictorHandle fp(encoding, small_config(false), 1);
  TrainOptions opt;
  opt.max_epochs = 1;
  opt.learning_rate = 1e-9;  // almost no movement: the bias stays where it was set
  fp.train(data, opt);
  double mean = 0;
  for (float a : data.accuracy) mean += a;
  mean /= static_cast<double>(data.accuracy.size());
  EXPECT_NEAR(fp.weights().output_layer.bias[0], mean, 0.02);  // training-part mean vs all
}

TEST_F(PredictorTest, RejectsBadTrainingData) {
  PredictorHandle qa(encoding, small_config(true), 1);
  PredictorDataset data = synthetic_pairs(space, truth, 50, false, 5);  // no policies
  EXPECT_THROW(qa.train(data, TrainOptions{}), std::invalid_argument);
  PredictorHandle fp(encoding, small_config(false), 1);
  data.accuracy.pop_back();
  EXPECT_THROW(fp.train(data, TrainOptions{}), std::invalid_argument);
}

// The predictor learns the synthetic ground truth; transfer then learns the bits from few pairs.
// Measured: FP held-out tau 0.95 (threshold 0.85), QA transfer tau 0.91 (threshold 0.75).
TEST_F(PredictorTest, LearnsSyntheticGroundTruthAndTransfers) {
  TrainOptions opt;
  opt.max_epochs = 150;
  opt.patience = 15;
  PredictorHandle fp(encoding, small_config(false), 2);
  const PredictorMetrics m = fp.train(synthetic_pairs(space, truth, 2000, false, 6), opt);
  EXPECT_GT(m.kendall_tau, 0.85) << "rmse " << m.rmse;
  EXPECT_LT(m.rmse, 0.02);
  EXPECT_EQ(m.count, 400);
  EXPECT_EQ(m.train_count, 1600);
  ASSERT_EQ(m.holdout_index.size(), 400u);
  ASSERT_EQ(m.holdout_predicted.size(), 400u);
  EXPECT_NEAR(rmse(m.holdout_predicted, m.holdout_truth), m.rmse, 1e-9);
  const PredictorDataset fp_data = synthetic_pairs(space, truth, 2000, false, 6);
  EXPECT_FLOAT_EQ(m.holdout_truth[7], fp_data.accuracy[m.holdout_index[7]]);
  EXPECT_NEAR(m.holdout_predicted[7], fp.predict_one(fp_data.archs[m.holdout_index[7]]), 1e-5);

  PredictorHandle qa = fp.transfer(3);
  const PredictorMetrics q = qa.train(synthetic_pairs(space, truth, 600, true, 7), opt);
  EXPECT_GT(q.kendall_tau, 0.75) << "rmse " << q.rmse;
  std::printf("synthetic ground truth, held out: FP tau %.3f rmse %.4f (%d epochs); QA transfer tau %.3f rmse %.4f (%d epochs)\n",
              m.kendall_tau, m.rmse, m.epochs, q.kendall_tau, q.rmse, q.epochs);
  // It has learned that fewer bits cost accuracy.
  Rng rng(8);
  int lower = 0;
  for (int i = 0; i < 50; ++i) {
    const Arch arch = space.sample(rng);
    const Policy p4 = space.uniform_policy(arch, 4), p8 = space.uniform_policy(arch, 8);
    lower += qa.predict_one(arch, &p4) < qa.predict_one(arch, &p8);
  }
  EXPECT_GE(lower, 45);
}

TEST(PredictorMetricsTest, KendallFastEqualsQuadraticWithTies) {
  Rng rng(1);
  std::vector<float> x, y;
  for (int i = 0; i < 500; ++i) {
    x.push_back(static_cast<float>(rng.below(20)));
    y.push_back(static_cast<float>(rng.below(15)) + 0.05f * x.back());
  }
  EXPECT_NEAR(kendall_tau(x, y), kendall_tau_quadratic(x, y), 1e-12);
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {10, 20, 30, 40}), 1.0);
  EXPECT_DOUBLE_EQ(kendall_tau({1, 2, 3, 4}, {4, 3, 2, 1}), -1.0);
  EXPECT_NEAR(pearson({1, 2, 3}, {2, 4, 6}), 1.0, 1e-12);
  EXPECT_NEAR(rmse({1, 2}, {1, 4}), std::sqrt(2.0), 1e-12);
  EXPECT_THROW(rmse({1}, {1}), std::invalid_argument);
  EXPECT_THROW(kendall_tau({1, 2}, {1, 2, 3}), std::invalid_argument);
}

// Pairs whose true ranking agrees with the prediction to a degree (tau about 0.5).
void noisy_pairs(int n, std::uint64_t seed, std::vector<float>& predicted, std::vector<float>& truth) {
  Rng rng(seed);
  predicted.clear();
  truth.clear();
  for (int i = 0; i < n; ++i) {
    const float x = static_cast<float>(rng.below(100000)) / 1000.0f;
    predicted.push_back(x);
    truth.push_back(x + static_cast<float>(rng.below(100000)) / 1500.0f);
  }
}

TEST(PredictorMetricsTest, KendallStandardErrorIsTheJackknifes) {
  std::vector<float> p, t;
  noisy_pairs(30, 2, p, t);
  // Below 50 pairs each pair is its own group: the leave-one-out jackknife, from the definition.
  std::vector<double> without;
  for (std::size_t k = 0; k < p.size(); ++k) {
    std::vector<float> pk, tk;
    for (std::size_t i = 0; i < p.size(); ++i)
      if (i != k) {
        pk.push_back(p[i]);
        tk.push_back(t[i]);
      }
    without.push_back(kendall_tau_quadratic(pk, tk));
  }
  double mean = 0, sum_sq = 0;
  for (double w : without) mean += w / static_cast<double>(without.size());
  for (double w : without) sum_sq += (w - mean) * (w - mean);
  const double expected = std::sqrt(29.0 / 30.0 * sum_sq);
  EXPECT_NEAR(kendall_tau_standard_error(p, t), expected, 1e-12);
  EXPECT_GT(expected, 0.03);
  EXPECT_EQ(evaluate_predictions(p, t).kendall_tau_se, kendall_tau_standard_error(p, t));

  // A perfect ranking has no spread; more pairs, a smaller error (grouped above 50 pairs).
  EXPECT_EQ(kendall_tau_standard_error({1, 2, 3, 4, 5}, {2, 4, 6, 8, 10}), 0.0);
  noisy_pairs(60, 3, p, t);
  const double on_60 = kendall_tau_standard_error(p, t);
  EXPECT_GT(on_60, 0.03);
  EXPECT_LT(on_60, 0.15);
  noisy_pairs(2000, 3, p, t);
  EXPECT_LT(kendall_tau_standard_error(p, t), on_60 / 3);
  EXPECT_THROW(kendall_tau_standard_error({1, 2, 3}, {1, 2, 3}), std::invalid_argument);
}

}  // namespace
}  // namespace apq
