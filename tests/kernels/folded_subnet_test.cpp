// BN folding for evaluation: the folded network computes the eval-mode subnet's logits.
#include "kernels/folded_subnet.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/rng.hpp"
#include "kernels/supernet.hpp"
#include "supernet_test_data.hpp"
#include "supernet_test_tensors.hpp"

namespace apq {
namespace {

TEST(FoldedSubnet, ComputesTheLogitsOfTheEvalModeSubnet) {
  SearchSpace space(test::tiny_spec());
  Supernet net(space, 7);
  test::randomise_bn(net, 8);  // BN that is far from identity, so an unfolded BN would show
  Rng rng(9);
  std::vector<Arch> archs{space.largest(), space.smallest()};
  for (int i = 0; i < 6; ++i) archs.push_back(space.sample(rng));
  c10::InferenceMode inference;
  for (const Arch& arch : archs) {
    const auto sub = extract_subnet(net, arch);
    const FoldedSubnet folded(*sub);
    const auto x = test::input(5, 64);
    const auto expected = sub->forward(x);
    const auto got = folded.forward(x);
    const float scale = expected.abs().max().item<float>();
    EXPECT_GT(scale, 0.0f);
    EXPECT_LT((expected - got).abs().max().item<float>(), 1e-4f * std::max(1.0f, scale)) << to_string(space, arch);
  }
}

// The largest subnet of a tiny supernet whose BN is far from identity.
std::shared_ptr<StaticSubnet> largest_subnet(std::uint64_t seed) {
  SearchSpace space(test::tiny_spec());
  Supernet net(space, seed);
  test::randomise_bn(net, seed + 1);
  return extract_subnet(net, space.largest());
}

TEST(FoldedSubnet, FollowsTheStatisticsItWasBuiltFrom) {
  const auto sub = largest_subnet(3);
  const FoldedSubnet before(*sub);
  {
    torch::NoGradGuard no_grad;
    sub->head_bn->running_mean.add_(1.0);
  }
  const FoldedSubnet after(*sub);
  c10::InferenceMode inference;
  const auto x = test::input(6, 16);
  EXPECT_GT((before.forward(x) - after.forward(x)).abs().max().item<float>(), 1e-3f);
  EXPECT_LT((after.forward(x) - sub->forward(x)).abs().max().item<float>(), 1e-4f);
}

TEST(FoldedSubnet, ABf16CopyComputesCloseFloatLogits) {
  const auto sub = largest_subnet(5);
  const FoldedSubnet folded(*sub);
  const FoldedSubnet bf16 = folded.to(torch::kBFloat16);
  c10::InferenceMode inference;
  const auto x = test::input(6, 32);
  const auto exact = folded.forward(x);
  const auto rounded = bf16.forward(x);
  EXPECT_EQ(rounded.scalar_type(), torch::kFloat);
  const float scale = exact.abs().max().item<float>();
  const float error = (exact - rounded).abs().max().item<float>();
  EXPECT_GT(error, 0.0f);  // bfloat16 keeps 8 significant bits: it does round
  EXPECT_LT(error, 0.05f * std::max(1.0f, scale));
  EXPECT_EQ(folded.forward(x).scalar_type(), torch::kFloat);  // the original is unchanged
  EXPECT_TRUE(torch::equal(folded.forward(x), exact));
}

}  // namespace
}  // namespace apq
