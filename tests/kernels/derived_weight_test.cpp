// Derived weights (transformed kernels, sliced 1x1 weights) kept under no-grad: reused while the
// parameters are unchanged, derived again after any in-place change, never kept under autograd.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "kernels/elastic_layers.hpp"

namespace apq {
namespace {

torch::Tensor image(int64_t channels) {
  torch::manual_seed(3);
  return torch::randn({2, channels, 6, 6}).contiguous(kChannelsLast);
}

TEST(DerivedWeight, IsKeptUnderNoGradAndDerivedAgainAfterAChange) {
  DerivedWeight kept;
  auto source = torch::ones({4});
  int made = 0;
  auto make = [&] {
    ++made;
    return source * 2;
  };
  torch::NoGradGuard no_grad;
  kept.get({&source}, 1, 2, make);
  const auto again = kept.get({&source}, 1, 2, make);
  EXPECT_EQ(made, 1);
  kept.get({&source}, 1, 3, make);  // another shape
  EXPECT_EQ(made, 2);
  source.add_(1.0);  // in place: the version counter moves
  const auto changed = kept.get({&source}, 1, 3, make);
  EXPECT_EQ(made, 3);
  EXPECT_TRUE(torch::equal(changed, torch::full({4}, 4.0)));
  EXPECT_TRUE(torch::equal(again, torch::full({4}, 2.0)));  // the earlier result is not overwritten
}

TEST(DerivedWeight, IsDerivedEveryTimeUnderAutograd) {
  DerivedWeight kept;
  auto source = torch::ones({4}, torch::requires_grad());
  int made = 0;
  auto make = [&] {
    ++made;
    return source * 2;
  };
  kept.get({&source}, 1, 2, make);
  kept.get({&source}, 1, 2, make).sum().backward();
  EXPECT_EQ(made, 2);
  EXPECT_TRUE(torch::equal(source.grad(), torch::full({4}, 2.0)));
}

TEST(DerivedWeight, DepthwiseEvaluationFollowsEveryWeightChange) {
  ElasticDepthwiseConv dw(6, {3, 5, 7}, 1);
  torch::NoGradGuard no_grad;
  dw.weight.copy_(torch::randn({6, 1, 7, 7}));
  const auto x = image(4);
  auto fresh = [&](int k) { return torch::conv2d(x, dw.kernel_weight(4, k).contiguous(kChannelsLast), {}, 1, k / 2, 1, 4); };
  EXPECT_TRUE(torch::allclose(dw.forward(x, 3), fresh(3)));
  dw.transforms[0].copy_(torch::randn({9, 9}));  // a transform changes, the weight does not
  EXPECT_TRUE(torch::allclose(dw.forward(x, 3), fresh(3)));
  dw.weight.mul_(0.5);
  EXPECT_TRUE(torch::allclose(dw.forward(x, 3), fresh(3)));
  EXPECT_TRUE(torch::allclose(dw.forward(x, 5), fresh(5)));
}

TEST(DerivedWeight, PointwiseEvaluationFollowsEveryWeightChange) {
  ElasticPointwiseConv pw(6, 5);
  torch::NoGradGuard no_grad;
  pw.weight.copy_(torch::randn({5, 6, 1, 1}));
  const auto x = image(4);
  auto fresh = [&] { return torch::conv2d(x, pw.sliced_weight(4, 3)); };
  EXPECT_TRUE(torch::allclose(pw.forward(x, 3), fresh()));
  pw.weight.sub_(1.0);
  EXPECT_TRUE(torch::allclose(pw.forward(x, 3), fresh()));
  pw.weight.copy_(torch::randn({5, 6, 1, 1}));
  EXPECT_TRUE(torch::allclose(pw.forward(x, 3), fresh()));
}

}  // namespace
}  // namespace apq
