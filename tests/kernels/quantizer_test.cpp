#include "kernels/quantizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <stdexcept>

#include "kernels/kl_calibration.hpp"

namespace apq {
namespace {

double round_even(double v) { return std::nearbyint(v); }  // torch::round rounds half to even

std::vector<float> values(const torch::Tensor& t) {
  const torch::Tensor c = t.detach().contiguous().to(torch::kFloat);
  return std::vector<float>(c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
}

TEST(Quantizer, WeightsPerChannelEqualTheFormula) {
  const torch::Tensor w = torch::tensor({0.5f, -1.0f, 0.25f, 0.1f, 2.0f, 0.3f, -0.7f, 1.3f}).reshape({2, 4});
  const int bits = 3;  // 2^(3-1) - 1 = 3 levels each side
  const auto q = values(fake_quant_weight(w, bits));
  const auto in = values(w);
  const double scales[2] = {1.0 / 3, 2.0 / 3};  // max|W| per row / 3
  for (int i = 0; i < 8; ++i) {
    const double s = scales[i / 4];
    EXPECT_NEAR(q[i], round_even(in[i] / s) * s, 1e-6) << i;
  }
  EXPECT_NEAR(q[0], 2.0 / 3, 1e-6);  // 0.5 / (1/3) = 1.5 rounds to 2
}

TEST(Quantizer, WeightsPerTensorUseOneScale) {
  const torch::Tensor w = torch::tensor({0.5f, -1.0f, 0.25f, 0.1f, 2.0f, 0.3f, -0.7f, 1.3f}).reshape({2, 4});
  const auto q = values(fake_quant_weight(w, 3, WeightGranularity::per_tensor));
  const auto in = values(w);
  const double s = 2.0 / 3;
  for (int i = 0; i < 8; ++i) EXPECT_NEAR(q[i], round_even(in[i] / s) * s, 1e-6) << i;
  // The small row loses more under one shared scale than under its own.
  const auto per_channel = values(fake_quant_weight(w, 3));
  double err_tensor = 0, err_channel = 0;
  for (int i = 0; i < 4; ++i) {
    err_tensor += std::abs(q[i] - in[i]);
    err_channel += std::abs(per_channel[i] - in[i]);
  }
  EXPECT_LT(err_channel, err_tensor);
  // Per-channel scale of a conv weight has shape [C, 1, 1, 1].
  EXPECT_EQ(weight_scale(torch::randn({5, 3, 3, 3}), 4, WeightGranularity::per_channel).sizes(),
            (torch::IntArrayRef{5, 1, 1, 1}));
}

TEST(Quantizer, WeightGradientPassesStraightThrough) {
  torch::manual_seed(1);
  const torch::Tensor w = torch::randn({4, 3, 3, 3}).requires_grad_(true);
  const torch::Tensor upstream = torch::randn({4, 3, 3, 3});
  (fake_quant_weight(w, 4) * upstream).sum().backward();
  EXPECT_TRUE(torch::allclose(w.grad(), upstream));
  // 8-bit error is at most half a step.
  const torch::Tensor scale = weight_scale(w, 8, WeightGranularity::per_channel);
  EXPECT_TRUE(((fake_quant_weight(w, 8) - w).abs() <= scale / 2 + 1e-7).all().item<bool>());
}

TEST(Quantizer, UnsignedActivationFormulaAndGradients) {
  const torch::Tensor x = torch::linspace(-1.05, 6.95, 33).requires_grad_(true);  // steps of 0.25, never exactly 0 or 4
  const torch::Tensor alpha = torch::full({1}, 4.0).requires_grad_(true);
  const int bits = 2;
  const torch::Tensor y = fake_quant_unsigned(x, alpha, bits);
  const auto in = values(x), out = values(y);
  const double s = 4.0 / 3;  // alpha / (2^2 - 1)
  int clipped_high = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const double c = std::min(std::max<double>(in[i], 0.0), 4.0);
    EXPECT_NEAR(out[i], round_even(c / s) * s, 1e-6) << in[i];
    clipped_high += in[i] >= 4.0;
  }
  y.sum().backward();
  const auto gx = values(x.grad());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const bool inside = in[i] > 0 && in[i] < 4;
    EXPECT_EQ(gx[i], inside ? 1.0f : 0.0f) << "x = " << in[i];
  }
  EXPECT_FLOAT_EQ(alpha.grad().item<float>(), static_cast<float>(clipped_high));  // PACT: dy/dalpha = 1 above alpha
}

TEST(Quantizer, SignedActivationFormulaAndGradients) {
  const torch::Tensor x = torch::linspace(-5.0, 5.0, 41).requires_grad_(true);
  const torch::Tensor alpha = torch::full({1}, 3.0).requires_grad_(true);
  const int bits = 3;  // sign + 2 magnitude bits: levels -3..3
  const torch::Tensor y = fake_quant_signed(x, alpha, bits);
  const auto in = values(x), out = values(y);
  const double s = 3.0 / 3;
  int above = 0, below = 0;
  for (std::size_t i = 0; i < in.size(); ++i) {
    const double c = std::min(std::max<double>(in[i], -3.0), 3.0);
    EXPECT_NEAR(out[i], round_even(c / s) * s, 1e-6) << in[i];
    above += in[i] >= 3.0;
    below += in[i] <= -3.0;
  }
  (y * 2).sum().backward();
  const auto gx = values(x.grad());
  for (std::size_t i = 0; i < in.size(); ++i) EXPECT_EQ(gx[i], std::abs(in[i]) < 3 ? 2.0f : 0.0f) << in[i];
  EXPECT_FLOAT_EQ(alpha.grad().item<float>(), 2.0f * (above - below));
}

TEST(Quantizer, EachBitIsCountedOnce) {
  const torch::Tensor x = torch::linspace(-10.0, 10.0, 20001);
  const torch::Tensor alpha = torch::full({1}, 6.0);
  for (int bits = 2; bits <= 8; ++bits) {
    // signed b bits: 2^b - 1 values (-(2^(b-1)-1) .. 2^(b-1)-1); unsigned: 2^b values.
    EXPECT_EQ(std::get<0>(at::_unique(fake_quant_signed(x, alpha, bits))).numel(), (1 << bits) - 1) << bits;
    EXPECT_EQ(std::get<0>(at::_unique(fake_quant_unsigned(x, alpha, bits))).numel(), 1 << bits) << bits;
    EXPECT_EQ(std::get<0>(at::_unique(fake_quant_weight(x.reshape({1, -1}), bits))).numel(), (1 << bits) - 1) << bits;
  }
}

TEST(Quantizer, BitsOutsideTwoToEightAreRejected) {
  const torch::Tensor w = torch::randn({2, 2});
  const torch::Tensor alpha = torch::full({1}, 6.0);
  for (int bits : {0, 1, 9, 16}) {
    EXPECT_THROW(fake_quant_weight(w, bits), std::invalid_argument) << bits;
    EXPECT_THROW(fake_quant_unsigned(w, alpha, bits), std::invalid_argument) << bits;
    EXPECT_THROW(fake_quant_signed(w, alpha, bits), std::invalid_argument) << bits;
    EXPECT_THROW(ActQuantizer(bits, ActKind::unsigned_clip), std::invalid_argument) << bits;
    EXPECT_THROW(QConv2d(torch::nn::Conv2d(torch::nn::Conv2dOptions(2, 2, 1)), bits, 8, ActKind::signed_clip),
                 std::invalid_argument);
  }
  try {
    fake_quant_weight(w, 9);
  } catch (const std::invalid_argument& e) {
    EXPECT_STREQ(e.what(), "weight quantizer: 9 bits outside 2..8");
  }
}

TEST(Quantizer, ActivationQuantizerStartsAtSixAndLearnsAlpha) {
  ActQuantizer q(4, ActKind::unsigned_clip);
  EXPECT_DOUBLE_EQ(q->alpha_value(), 6.0);
  ASSERT_EQ(q->parameters().size(), 1u);
  const torch::Tensor x = torch::full({8}, 7.0);
  q->forward(x).sum().backward();
  EXPECT_FLOAT_EQ(q->alpha.grad().item<float>(), 8.0f);
}

TEST(Quantizer, CalibrationUsesMaxAtFiveBitsAndAboveAndKlBelow) {
  torch::manual_seed(3);
  // Mostly small values with rare large outliers: KL clips, max does not.
  const torch::Tensor data = torch::cat({torch::randn({20000}).abs(), torch::full({5}, 20.0)});
  torch::nn::Sequential net(ActQuantizer(8, ActKind::signed_clip), ActQuantizer(3, ActKind::signed_clip));
  // Both observe the same float input: the first is passthrough during calibration.
  calibrate_activation_ranges(*net, [&] { net->forward(data); });
  const auto qs = act_quantizers(*net);
  ASSERT_EQ(qs.size(), 2u);
  EXPECT_NEAR(qs[0]->alpha_value(), 20.0, 1e-5);
  EXPECT_LT(qs[1]->alpha_value(), 6.0);
  EXPECT_GT(qs[1]->alpha_value(), 1.0);
  EXPECT_EQ(qs[1]->mode(), ActQuantizerImpl::Mode::quantize);
  ActQuantizer never(4, ActKind::unsigned_clip);
  EXPECT_THROW(never->finish_calibration(), std::logic_error);
}

TEST(Quantizer, KlCalibrationIgnoresTheZerosOfRelu) {
  torch::manual_seed(5);
  // 90% exact zeros (as after ReLU6) and a uniform bulk on [0, 4]: the range should stay near 4.
  const torch::Tensor data = torch::cat({torch::zeros({90000}), torch::rand({10000}) * 4});
  auto q = std::make_shared<ActQuantizerImpl>(3, ActKind::unsigned_clip);
  calibrate_activation_ranges(*q, [&] { q->forward(data); });
  EXPECT_GT(q->alpha_value(), 3.5);
  EXPECT_LE(q->alpha_value(), 4.0 + 1e-6);
}

TEST(Quantizer, EightBitConvIsCloseToTheFloatConv) {
  torch::manual_seed(4);
  torch::nn::Conv2d conv(torch::nn::Conv2dOptions(8, 16, 3).padding(1).bias(false));
  QConv2d qconv(conv, 8, 8, ActKind::unsigned_clip);
  const torch::Tensor x = torch::rand({2, 8, 6, 6}) * 6;
  const torch::Tensor ref = conv->forward(x);
  const torch::Tensor out = qconv->forward(x);
  EXPECT_LT(((out - ref).abs().max() / ref.abs().max()).item<double>(), 0.02);
  // The quantized layer owns a copy: training it leaves the source alone.
  torch::NoGradGuard no_grad;
  qconv->conv->weight.add_(1.0);
  EXPECT_FALSE(torch::allclose(qconv->conv->weight, conv->weight));
}

TEST(KlCalibration, UniformDataKeepsNearlyTheFullRange) {
  std::vector<double> hist(2048, 100.0);
  const KlResult r = kl_threshold(hist, 1.0, 16);
  EXPECT_GT(r.threshold, 0.9);
  EXPECT_LE(r.threshold, 1.0);
}

TEST(KlCalibration, GaussianWithOutliersIsClipped) {
  std::mt19937 gen(9);
  std::normal_distribution<double> normal(0.0, 1.0);
  const double max_value = 12.0;
  std::vector<double> hist(2048, 0.0);
  for (int i = 0; i < 200000; ++i) {
    const double v = std::min(std::abs(normal(gen)), max_value);
    hist[std::min(2047, static_cast<int>(v / max_value * 2048))] += 1;
  }
  hist[2047] += 20;  // a few values at the maximum
  const KlResult low = kl_threshold(hist, max_value, 8);    // 4-bit signed magnitude levels
  const KlResult high = kl_threshold(hist, max_value, 128); // 8-bit signed magnitude levels
  EXPECT_GT(low.threshold, 1.5);   // keeps the bulk (|x| < 1.5 holds 87% of the mass)
  EXPECT_LT(low.threshold, 5.0);   // clips the outliers at 12
  EXPECT_GE(high.threshold, low.threshold);  // more levels afford a wider range
  EXPECT_GE(low.divergence, 0.0);
}

// The search as first written: every candidate's P and Q built bin by bin, KL summed over all
// bins (O(bins^2)). kl_threshold must pick the same threshold from prefix sums.
KlResult kl_threshold_bin_by_bin(const std::vector<double>& histogram, double max_value, int levels) {
  const int n = static_cast<int>(histogram.size());
  KlResult best;
  best.divergence = std::numeric_limits<double>::infinity();
  for (int i = levels; i <= n; ++i) {
    std::vector<double> p(histogram.begin(), histogram.begin() + i);
    for (int j = i; j < n; ++j) p[i - 1] += histogram[j];
    std::vector<double> q(i, 0.0);
    const int per_group = i / levels;
    for (int g = 0; g < levels; ++g) {
      const int begin = g * per_group, end = g == levels - 1 ? i : begin + per_group;
      double mass = 0.0;
      int nonzero = 0;
      for (int j = begin; j < end; ++j) {
        mass += histogram[j];
        nonzero += p[j] > 0;
      }
      for (int j = begin; j < end; ++j)
        if (nonzero > 0 && p[j] > 0) q[j] = mass / nonzero;
    }
    if (std::accumulate(q.begin(), q.end(), 0.0) <= 0) continue;
    const double kl = kl_divergence(p, q);
    if (kl < best.divergence) best = KlResult{i * max_value / n, i, kl};
  }
  return best;
}

TEST(KlCalibration, PrefixSumsPickTheSameThresholdAsTheBinByBinSearch) {
  std::mt19937 gen(21);
  int compared = 0;
  for (const int bins : {16, 97, 512}) {
    for (const int levels : {2, 4, 8, 16}) {
      for (int shape = 0; shape < 4; ++shape) {
        // Half-normal, exponential, sparse (most bins empty), and one with an empty tail but a
        // spike at the maximum: the shapes ReLU and signed activations give.
        std::vector<double> hist(bins, 0.0);
        std::exponential_distribution<double> expo(4.0);
        std::normal_distribution<double> normal(0.0, 0.2);
        std::uniform_real_distribution<double> unit(0.0, 1.0);
        for (int k = 0; k < 20000; ++k) {
          double v = shape == 0 ? std::abs(normal(gen)) : shape == 1 ? expo(gen) : unit(gen) * unit(gen) * 0.3;
          if (shape == 2 && unit(gen) < 0.9) v = std::floor(v * 20) / 20;  // values on a coarse grid
          hist[std::min(bins - 1, static_cast<int>(v * bins))] += 1;
        }
        if (shape == 3) hist[bins - 1] += 50;
        const KlResult fast = kl_threshold(hist, 1.0, levels);
        const KlResult slow = kl_threshold_bin_by_bin(hist, 1.0, levels);
        SCOPED_TRACE("bins " + std::to_string(bins) + ", levels " + std::to_string(levels) + ", shape " +
                     std::to_string(shape));
        EXPECT_NEAR(fast.divergence, slow.divergence, 1e-9 * (1 + std::abs(slow.divergence)));
        EXPECT_EQ(fast.bins, slow.bins);
        EXPECT_DOUBLE_EQ(fast.threshold, slow.threshold);
        ++compared;
      }
    }
  }
  EXPECT_EQ(compared, 48);
}

TEST(KlCalibration, OfThresholdsThatFitExactlyTheSmallestWins) {
  // Two equal spikes: every candidate from the second spike on puts each spike alone in its own
  // group, so P = Q and the KL is 0 up to rounding (log 3 + log 2 - log 6 in the prefix sums).
  // The first such candidate, 5 bins, must win; not a later one that rounds 1 ulp lower.
  for (const double count : {1.0, 3.0, 7.0, 1e6 + 3}) {
    const std::vector<double> hist{count, 0, 0, 0, count, 0, 0, 0};
    const KlResult fast = kl_threshold(hist, 1.0, 2);
    EXPECT_EQ(fast.bins, 5) << "count " << count;
    EXPECT_NEAR(fast.divergence, 0.0, 1e-12);
    EXPECT_EQ(kl_threshold_bin_by_bin(hist, 1.0, 2).bins, 5) << "count " << count;
  }
}

TEST(KlCalibration, BadInputIsRejected) {
  EXPECT_THROW(kl_threshold({}, 1.0, 8), std::invalid_argument);
  EXPECT_THROW(kl_threshold(std::vector<double>(64, 0.0), 1.0, 8), std::invalid_argument);
  EXPECT_THROW(kl_threshold(std::vector<double>(64, 1.0), 0.0, 8), std::invalid_argument);
  EXPECT_THROW(kl_threshold(std::vector<double>(4, 1.0), 1.0, 8), std::invalid_argument);
  EXPECT_THROW(kl_threshold(std::vector<double>(64, 1.0), 1.0, 1), std::invalid_argument);
  EXPECT_THROW(kl_threshold({1.0, std::numeric_limits<double>::infinity(), 1.0, 1.0}, 1.0, 2), std::invalid_argument);
  EXPECT_NEAR(kl_divergence({1, 2, 3}, {2, 4, 6}), 0.0, 1e-12);
  EXPECT_GT(kl_divergence({1, 0, 3}, {1, 1, 1}), 0.0);
}

}  // namespace
}  // namespace apq
