// The fused activation fake-quantizers against the composed where/clamp/round/straight-through
// form they replace: the same values, the same gradients to x and to alpha.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "kernels/quantizer.hpp"

namespace apq {
namespace {

torch::Tensor straight_through(const torch::Tensor& x, const torch::Tensor& q) { return x + (q - x).detach(); }

// The composed form (the implementation before the fused one).
torch::Tensor composed(const torch::Tensor& x, const torch::Tensor& alpha, int bits, bool is_signed) {
  const double levels = is_signed ? (1 << (bits - 1)) - 1 : (1 << bits) - 1;
  const torch::Tensor upper = torch::where(x < alpha, x, alpha);
  const torch::Tensor clipped = is_signed ? torch::where(upper > -alpha, upper, -alpha) : upper.clamp_min(0.0);
  const torch::Tensor scale = (alpha.detach() / levels).clamp_min(1e-12);
  return straight_through(clipped, torch::round(clipped.detach() / scale) * scale);
}

struct Outcome {
  torch::Tensor y, grad_x, grad_alpha;
};

template <class Quantizer>
Outcome run(Quantizer quantize, const torch::Tensor& x0, double alpha_value, const torch::Tensor& upstream) {
  const torch::Tensor x = x0.detach().clone().requires_grad_(true);
  const torch::Tensor alpha = torch::full({1}, alpha_value).requires_grad_(true);
  const torch::Tensor y = quantize(x, alpha);
  (y * upstream).sum().backward();
  return {y.detach(), x.grad(), alpha.grad()};
}

// Activations with exact zeros (ReLU6 outputs), values exactly at +-alpha and beyond it.
torch::Tensor activations(std::int64_t seed, double alpha) {
  auto gen = at::detail::createCPUGenerator(seed);
  torch::Tensor x = torch::randn({8, 6, 7, 5}, gen) * alpha;
  x.view(-1).slice(0, 0, 40).zero_();
  x.view(-1).slice(0, 40, 50).fill_(alpha);
  x.view(-1).slice(0, 50, 60).fill_(-alpha);
  return x;
}

TEST(FusedActQuant, EqualsTheComposedFormInValuesAndGradients) {
  for (const bool is_signed : {false, true})
    for (const int bits : {2, 4, 5, 6, 8})
      for (const bool channels_last : {false, true}) {
        const double alpha = 2.5 + bits * 0.1;
        torch::Tensor x = activations(bits, alpha);
        if (channels_last) x = x.contiguous(at::MemoryFormat::ChannelsLast);
        auto gen = at::detail::createCPUGenerator(100 + bits);
        const torch::Tensor upstream = torch::randn(x.sizes(), gen);
        const Outcome want = run([&](auto& v, auto& a) { return composed(v, a, bits, is_signed); }, x, alpha, upstream);
        const Outcome got = run(
            [&](auto& v, auto& a) { return is_signed ? fake_quant_signed(v, a, bits) : fake_quant_unsigned(v, a, bits); },
            x, alpha, upstream);
        const std::string what = (is_signed ? "signed " : "unsigned ") + std::to_string(bits) + " bits" +
                                 (channels_last ? ", channels-last" : "");
        EXPECT_TRUE(torch::equal(got.y, want.y)) << what;
        EXPECT_TRUE(torch::equal(got.grad_x, want.grad_x)) << what;
        EXPECT_NEAR(got.grad_alpha.item<double>(), want.grad_alpha.item<double>(),
                    1e-4 * std::max(1.0, std::abs(want.grad_alpha.item<double>())))
            << what;
        EXPECT_NE(got.grad_alpha.item<double>(), 0.0) << what;  // values beyond alpha were there
      }
}

TEST(FusedActQuant, TakesAnyLayoutAndGivesTheGradientInIt) {
  // A transposed (non-contiguous) input and an upstream gradient of another layout.
  auto gen = at::detail::createCPUGenerator(3);
  const torch::Tensor base = torch::randn({6, 9}, gen) * 3;
  const torch::Tensor upstream = torch::randn({9, 6}, gen);
  const Outcome want = run([](auto& v, auto& a) { return composed(v.t(), a, 4, true); }, base, 2.0, upstream);
  const Outcome got = run([](auto& v, auto& a) { return fake_quant_signed(v.t(), a, 4); }, base, 2.0, upstream);
  EXPECT_TRUE(torch::equal(got.y, want.y));
  EXPECT_TRUE(torch::equal(got.grad_x, want.grad_x));
  EXPECT_NEAR(got.grad_alpha.item<double>(), want.grad_alpha.item<double>(), 1e-4);
}

}  // namespace
}  // namespace apq
