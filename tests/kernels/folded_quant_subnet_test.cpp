// The folded quantized subnet (evaluation's fast path) computes the QuantSubnet's logits.
#include "kernels/folded_quant_subnet.hpp"

#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <stdexcept>

#include "base/rng.hpp"
#include "kernels/supernet.hpp"
#include "supernet_test_data.hpp"
#include "supernet_test_tensors.hpp"

namespace apq {
namespace {

std::shared_ptr<QuantSubnet> calibrated(const StaticSubnet& sub, const SearchSpace& space, const Policy& policy,
                                        const torch::Tensor& images) {
  auto q = std::make_shared<QuantSubnet>(sub, space, policy);
  q->eval();
  calibrate_activation_ranges(*q, [&] { q->forward(images); });
  return q;
}

TEST(FoldedQuantSubnet, ComputesTheLogitsOfTheQuantSubnet) {
  SearchSpace space(test::tiny_spec());
  Supernet net(space, 7);
  test::randomise_bn(net, 8);  // BN far from identity, so an unfolded BN would show
  Rng rng(9);
  const torch::Tensor calib = test::input(3, 64);
  const torch::Tensor x = test::input(5, 256);
  int archs = 0;
  float fewest_close = 1.0f;
  int64_t fewest_agreeing = 256;
  for (int i = 0; i < 8; ++i) {
    const Arch arch = i == 0 ? space.largest() : space.sample(rng);
    const Policy policy = i == 1 ? space.uniform_policy(arch, space.spec().bits.front()) : space.sample_policy(arch, rng);
    const auto sub = extract_subnet(net, arch);
    const auto q = calibrated(*sub, space, policy, calib);
    const FoldedQuantSubnet folded(*q);
    c10::InferenceMode inference;
    const torch::Tensor images = x.clone();
    const torch::Tensor expected = q->forward(x);
    const torch::Tensor got = folded.forward(images);
    EXPECT_TRUE(torch::equal(images, x)) << "the caller's images were overwritten";
    const float scale = expected.abs().max().item<float>();
    ASSERT_GT(scale, 0.0f);
    // Float rounding moves a value across a quantization boundary now and then: one level of one
    // activation. Almost every logit is equal to rounding, and the predicted classes agree.
    const torch::Tensor close = (expected - got).abs() <= 1e-4f * std::max(1.0f, scale);
    const float share_close = close.to(torch::kFloat).mean().item<float>();
    const int64_t agreeing = (expected.argmax(1) == got.argmax(1)).sum().item<int64_t>();
    EXPECT_GE(share_close, 0.97f) << to_string(space, arch);
    EXPECT_GE(agreeing, 250) << to_string(space, arch);
    fewest_close = std::min(fewest_close, share_close);
    fewest_agreeing = std::min(fewest_agreeing, agreeing);
    ++archs;
  }
  EXPECT_EQ(archs, 8);
  std::printf("folded against training form: at least %.4f of the logits equal to rounding, %lld of 256 classes agree\n",
              fewest_close, static_cast<long long>(fewest_agreeing));
}

TEST(FoldedQuantSubnet, QuantizesUnlikeTheFloatSubnet) {
  SearchSpace space(test::tiny_spec());
  Supernet net(space, 3);
  test::randomise_bn(net, 4);
  const Arch arch = space.largest();
  const auto sub = extract_subnet(net, arch);
  const torch::Tensor x = test::input(6, 32);
  const auto q = calibrated(*sub, space, space.uniform_policy(arch, space.spec().bits.front()), x);
  const FoldedQuantSubnet folded(*q);
  c10::InferenceMode inference;
  const torch::Tensor float_logits = sub->forward(x);
  EXPECT_GT((folded.forward(x) - float_logits).abs().max().item<float>(), 1e-3f);
}

TEST(FoldedQuantSubnet, RefusesAnUncalibratedNet) {
  SearchSpace space(test::tiny_spec());
  Supernet net(space, 3);
  const Arch arch = space.largest();
  const auto sub = extract_subnet(net, arch);
  auto q = std::make_shared<QuantSubnet>(*sub, space, space.uniform_policy(arch, 8));
  set_act_mode(*q, ActQuantizerImpl::Mode::observe_max);
  EXPECT_THROW(FoldedQuantSubnet{*q}, std::logic_error);
}

}  // namespace
}  // namespace apq
