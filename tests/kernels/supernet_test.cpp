// Elastic supernet: kernel transforms, importance re-ordering, forward of the active subnet.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/rng.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"
#include "supernet_test_data.hpp"
#include "supernet_test_tensors.hpp"

namespace apq {
namespace {

using test::input;
using test::randomise_bn;
using test::tiny_spec;

TEST(ElasticKernel, IdentityTransformsGiveTheCentreCrop) {
  ElasticDepthwiseConv dw(6, {3, 5, 7}, 1);
  torch::NoGradGuard no_grad;
  dw.weight.copy_(torch::randn({6, 1, 7, 7}));
  EXPECT_TRUE(torch::equal(dw.kernel_weight(6, 7), dw.weight));
  EXPECT_TRUE(torch::allclose(dw.kernel_weight(4, 5), dw.weight.slice(0, 0, 4).slice(2, 1, 6).slice(3, 1, 6)));
  EXPECT_TRUE(torch::allclose(dw.kernel_weight(6, 3), dw.weight.slice(2, 2, 5).slice(3, 2, 5)));
}

TEST(ElasticKernel, TransformsChainFromTheLargestKernel) {
  ElasticDepthwiseConv dw(2, {3, 5, 7}, 1);
  torch::NoGradGuard no_grad;
  dw.weight.copy_(torch::randn({2, 1, 7, 7}));
  ASSERT_EQ(dw.transforms.size(), 2u);
  EXPECT_EQ(dw.transforms[0].sizes(), (std::vector<int64_t>{9, 9}));
  EXPECT_EQ(dw.transforms[1].sizes(), (std::vector<int64_t>{25, 25}));
  dw.transforms[1].copy_(torch::randn({25, 25}));
  dw.transforms[0].copy_(torch::randn({9, 9}));
  const auto w5 = torch::matmul(dw.weight.slice(2, 1, 6).slice(3, 1, 6).reshape({2, 25}), dw.transforms[1].t());
  const auto w3 = torch::matmul(w5.reshape({2, 1, 5, 5}).slice(2, 1, 4).slice(3, 1, 4).reshape({2, 9}),
                                dw.transforms[0].t());
  // Float sums of 25 random terms: an element near zero can be off by 1e-6 of the terms' size, so
  // the tolerance scales with the largest value rather than with each element.
  auto near = [](const torch::Tensor& a, const torch::Tensor& b) {
    return (a - b).abs().max().item<double>() <= 1e-5 * b.abs().max().item<double>();
  };
  EXPECT_TRUE(near(dw.kernel_weight(2, 5), w5.reshape({2, 1, 5, 5})));
  EXPECT_TRUE(near(dw.kernel_weight(2, 3), w3.reshape({2, 1, 3, 3})));
}

TEST(Supernet, ForwardGivesLogitsForAnyArch) {
  SearchSpace space(tiny_spec());
  Supernet net(space, 3);
  Rng rng(5);
  for (int i = 0; i < 5; ++i) {
    net.set_active(space.sample(rng));
    const auto out = net.forward(input(i));
    EXPECT_EQ(out.sizes(), (std::vector<int64_t>{4, 10}));
    EXPECT_TRUE(torch::isfinite(out).all().item<bool>());
  }
  Arch bad = space.largest();
  bad.kernel[0] = 4;
  EXPECT_THROW(net.set_active(bad), std::invalid_argument);
}

TEST(Supernet, SameSeedSameWeights) {
  SearchSpace space(tiny_spec());
  Supernet a(space, 11), b(space, 11), c(space, 12);
  const auto pa = a.parameters(), pb = b.parameters(), pc = c.parameters();
  ASSERT_EQ(pa.size(), pb.size());
  bool all_equal = true, any_differs = false;
  for (std::size_t i = 0; i < pa.size(); ++i) {
    all_equal = all_equal && torch::equal(pa[i], pb[i]);
    any_differs = any_differs || !torch::equal(pa[i], pc[i]);
  }
  EXPECT_TRUE(all_equal);
  EXPECT_TRUE(any_differs);
}

TEST(ImportanceOrder, KeepsTheLargestFunctionAndSortsChannels) {
  SearchSpace space(tiny_spec());
  Supernet net(space, 21);
  randomise_bn(net, 22);
  net.eval();
  torch::NoGradGuard no_grad;
  net.set_active(space.largest());
  const auto x = input(5);
  const auto before = net.forward(x);
  Arch narrow = space.largest();
  for (int i = 0; i < space.num_slots(); ++i) narrow.mid[i] = space.slots()[i].mid_choices.front();
  net.set_active(narrow);
  const auto narrow_before = net.forward(x);
  const auto perms = net.sort_channels_by_importance();
  EXPECT_EQ(perms.size(), 7u * net.blocks.size());
  net.set_active(space.largest());
  const auto after = net.forward(x);
  EXPECT_LT((before - after).abs().max().item<float>(), 1e-5);
  for (auto& b : net.blocks) {
    const auto importance = b->project->weight.abs().sum({0, 2, 3});
    const auto diffs = importance.slice(0, 0, -1) - importance.slice(0, 1);
    EXPECT_TRUE((diffs >= 0).all().item<bool>());
  }
  // A narrower net now keeps the most important channels, so its output changed.
  net.set_active(narrow);
  EXPECT_GT((narrow_before - net.forward(x)).abs().max().item<float>(), 1e-4);
}

}  // namespace
}  // namespace apq
