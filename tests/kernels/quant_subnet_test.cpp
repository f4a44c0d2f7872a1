#include "kernels/quant_subnet.hpp"

#include <gtest/gtest.h>

#include <stdexcept>

#include "kernels/quant_jobs.hpp"
#include "kernels/supernet.hpp"

namespace apq {
namespace {

SpaceSpec tiny_spec() {
  SpaceSpec spec;
  spec.image_size = 12;
  spec.stem_width = 8;
  spec.first_block_width = 8;
  spec.stages = {{8, 2, {1, 2}}, {16, 1, {1, 2}}};
  spec.kernels = {3, 5};
  spec.expands = {2, 3};
  spec.head_width = 32;
  spec.bits = {4, 6, 8};
  return spec;
}

// Images whose class is the quadrant holding a bright square: learnable in a few steps.
ImageSet quadrant_images(int count, std::uint64_t seed) {
  ImageSet set;
  set.count = count;
  set.channels = 1;
  set.height = set.width = 12;
  set.num_classes = 4;
  Rng rng(seed);
  for (int i = 0; i < count; ++i) {
    const int label = rng.below(4);
    set.labels.push_back(label);
    for (int y = 0; y < 12; ++y)
      for (int x = 0; x < 12; ++x) {
        const bool inside = (y / 6) * 2 + (x / 6) == label && y % 6 > 0 && x % 6 > 0;
        set.pixels.push_back(static_cast<std::uint8_t>(inside ? 200 + rng.below(56) : rng.below(40)));
      }
  }
  return set;
}

struct Fixture {
  SearchSpace space{tiny_spec()};
  std::shared_ptr<Supernet> supernet = std::make_shared<Supernet>(space, 5);
  Arch arch = space.largest();
  std::shared_ptr<StaticSubnet> subnet = extract_subnet(*supernet, arch);
  torch::Tensor inputs = torch::randn({16, 1, 12, 12});
};

// Relative deviation of the quantized logits from the float ones.
double deviation(Fixture& f, const Policy& policy) {
  auto owned = std::make_shared<QuantSubnet>(*f.subnet, f.space, policy);
  QuantSubnet& q = *owned;
  q.eval();
  calibrate_activation_ranges(q, [&] { q.forward(f.inputs); });
  torch::NoGradGuard no_grad;
  const torch::Tensor ref = f.subnet->forward(f.inputs);
  const torch::Tensor out = q.forward(f.inputs);
  return ((out - ref).norm() / ref.norm()).item<double>();
}

TEST(QuantSubnet, EightBitsMatchTheFloatSubnet) {
  torch::manual_seed(1);
  Fixture f;
  const double d8 = deviation(f, f.space.uniform_policy(f.arch, 8));
  EXPECT_LT(d8, 0.03);
  const double d4 = deviation(f, f.space.uniform_policy(f.arch, 4));
  EXPECT_GT(d4, d8);  // fewer bits, further from float
}

TEST(QuantSubnet, PolicyBitsReachTheirLayers) {
  Fixture f;
  Rng rng(8);
  const Policy policy = f.space.sample_policy(f.arch, rng);
  QuantSubnet q(*f.subnet, f.space, policy);
  ASSERT_EQ(q.blocks.size(), f.subnet->blocks.size());
  for (std::size_t i = 0; i < q.blocks.size(); ++i) {
    const BlockBits& b = policy.blocks[f.subnet->blocks[i].slot];
    EXPECT_EQ(q.blocks[i].expand->w_bits, b.pw_w);
    EXPECT_EQ(q.blocks[i].expand->input->bits(), b.pw_a);
    EXPECT_EQ(q.blocks[i].expand->input->kind(), ActKind::signed_clip);
    EXPECT_EQ(q.blocks[i].dw->w_bits, b.dw_w);
    EXPECT_EQ(q.blocks[i].dw->input->bits(), b.dw_a);
    EXPECT_EQ(q.blocks[i].dw->input->kind(), ActKind::unsigned_clip);
    EXPECT_EQ(q.blocks[i].project->w_bits, b.pw_w);
    EXPECT_EQ(q.blocks[i].project->input->bits(), b.pw_a);
    EXPECT_EQ(q.blocks[i].residual, f.subnet->blocks[i].residual);
  }
  for (const QConv2d& fixed : {q.stem_conv, q.first_dw, q.first_pw, q.head_conv}) {
    EXPECT_EQ(fixed->w_bits, 8);
    EXPECT_EQ(fixed->input->bits(), 8);
  }
  EXPECT_EQ(q.classifier->w_bits, 8);
  EXPECT_EQ(act_quantizers(q).size(), 4 + 1 + 3 * q.blocks.size());
}

TEST(QuantSubnet, PolicyOutsideTheBitSetIsRejected) {
  Fixture f;
  Policy policy = f.space.uniform_policy(f.arch, 8);
  policy.blocks[0].dw_w = 2;  // 2..8 is allowed in general, but not in this space's set
  EXPECT_THROW(QuantSubnet(*f.subnet, f.space, policy), std::invalid_argument);
}

TEST(QuantSubnet, FineTuneLearnsIsDeterministicAndLeavesTheSourceAlone) {
  Fixture f;
  const ImageSet train = quadrant_images(256, 1), val = quadrant_images(128, 2);
  const torch::Tensor before = f.subnet->classifier->weight.clone();
  QuantEvalConfig config;
  config.bn_images = 128;
  config.calib_images = 64;
  config.finetune.steps = 30;
  config.finetune.batch_size = 32;
  config.finetune.lr = 0.05;
  const Policy policy = f.space.uniform_policy(f.arch, 6);
  QuantEvalConfig no_tune = config;
  no_tune.finetune.steps = 0;
  const auto untrained = quantize_and_evaluate(*f.subnet, f.space, policy, train, val, {}, no_tune, 3);
  const auto a = quantize_and_evaluate(*f.subnet, f.space, policy, train, val, {}, config, 3);
  const auto b = quantize_and_evaluate(*f.subnet, f.space, policy, train, val, {}, config, 3);
  EXPECT_EQ(a.score.top1, b.score.top1);
  EXPECT_EQ(a.score.loss, b.score.loss);
  EXPECT_EQ(a.finetune.steps, 30);
  EXPECT_EQ(a.finetune.images, 30 * 32);
  EXPECT_GT(a.finetune.images_per_second, 0.0);
  EXPECT_LT(a.score.loss, untrained.score.loss);
  EXPECT_GT(a.score.top1, 0.5);  // 4 classes: chance is 0.25
  EXPECT_TRUE(torch::equal(before, f.subnet->classifier->weight));
}

TEST(QuantJobs, FacadeScoresAQuantizedSubnet) {
  const SupernetHandle net = create_supernet(tiny_spec(), 4);
  const ImageSet train = quadrant_images(128, 3), val = quadrant_images(64, 4);
  const SearchSpace& space = net.space();
  Rng rng(1);
  const Arch arch = space.sample(rng);
  const Policy policy = space.sample_policy(arch, rng);
  QuantJobConfig config;
  config.bn_images = 64;
  config.calib_images = 32;
  config.finetune_steps = 3;
  config.batch_size = 16;
  const QuantScore a = score_quantized(net, arch, policy, train, val, config, 9);
  const QuantScore b = score_quantized(net, arch, policy, train, val, config, 9);
  EXPECT_GE(a.top1, 0.0);
  EXPECT_LE(a.top1, 1.0);
  EXPECT_EQ(a.images, 64);
  EXPECT_EQ(a.top1, b.top1);
  EXPECT_EQ(a.loss, b.loss);
  // A worker's images, made by the first item and reused by the second, give the same scores.
  PreparedImages images;
  for (int item = 0; item < 2; ++item) {
    const QuantScore c = score_quantized(net, arch, policy, train, val, config, 9, &images);
    EXPECT_EQ(a.top1, c.top1);
    EXPECT_EQ(a.loss, c.loss);
    EXPECT_EQ(a.even.loss, c.even.loss);
  }
  Policy bad = policy;
  bad.blocks[0].pw_w = 5;
  EXPECT_THROW(score_quantized(net, arch, bad, train, val, config, 9), std::invalid_argument);
}

}  // namespace
}  // namespace apq
