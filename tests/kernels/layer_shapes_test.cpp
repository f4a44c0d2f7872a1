#include "kernels/layer_shapes.hpp"

#include <gtest/gtest.h>

#include <iterator>
#include <set>

#include "kernels/cost_model.hpp"

namespace apq {
namespace {

// One stage of two blocks on an 8x8 grey image: small enough to count every MAC by hand.
SpaceSpec two_block_spec() {
  SpaceSpec spec;
  spec.in_channels = 1;
  spec.image_size = 8;
  spec.num_classes = 10;
  spec.stem_width = 4;
  spec.stem_stride = 2;
  spec.first_block_width = 4;
  spec.stages = {{8, 2, {1, 2}}};
  spec.kernels = {3, 5};
  spec.expands = {2, 3};
  spec.head_width = 16;
  spec.bits = {4, 8};
  return spec;
}

struct Expected {
  const char* name;
  double macs;
  double bitops;
};

TEST(LayerShapes, TwoBlockNetworkCountedByHand) {
  const SearchSpace space(two_block_spec());
  const Arch arch = parse_arch(space, "k3m8 k5m24");
  const Policy policy = parse_policy(space, arch, "w4a8.w8a4 w8a8.w4a4");
  const auto layers = network_layers(space, arch, policy);
  // 8x8 -> stem /2 -> 4x4 -> block 1 /2 -> 2x2.  MACs = cout * cin/groups * k * k * out^2.
  const Expected expected[] = {
      {"stem", 4 * 1 * 9 * 16, 576 * 8 * 8},                // 1->4, 3x3, 4x4 out, 8/8 bits
      {"first.dw", 4 * 1 * 9 * 16, 576 * 8 * 8},            // 4 ch 3x3 dw at 4x4
      {"first.project", 4 * 4 * 16, 256 * 8 * 8},           // 4->4 at 4x4
      {"block1.expand", 8 * 4 * 16, 512 * 4 * 8},           // 4->8 at 4x4, w4 a8
      {"block1.dw", 8 * 1 * 9 * 4, 288 * 8 * 4},            // 8 ch 3x3 /2 -> 2x2, w8 a4
      {"block1.project", 8 * 8 * 4, 256 * 4 * 8},           // 8->8 at 2x2, w4 a8
      {"block2.expand", 24 * 8 * 4, 768 * 8 * 8},           // 8->24 at 2x2, w8 a8
      {"block2.dw", 24 * 1 * 25 * 4, 2400 * 4 * 4},         // 24 ch 5x5 at 2x2, w4 a4
      {"block2.project", 8 * 24 * 4, 768 * 8 * 8},          // 24->8 at 2x2, w8 a8
      {"head", 16 * 8 * 4, 512 * 8 * 8},                    // 8->16 at 2x2
      {"classifier", 16 * 10, 160 * 8 * 8},                 // linear 16->10
  };
  ASSERT_EQ(layers.size(), std::size(expected));
  double macs = 0, bitops = 0;
  for (std::size_t i = 0; i < layers.size(); ++i) {
    EXPECT_EQ(layers[i].name, expected[i].name);
    EXPECT_DOUBLE_EQ(layers[i].macs(), expected[i].macs) << layers[i].name;
    EXPECT_DOUBLE_EQ(layers[i].bitops(), expected[i].bitops) << layers[i].name;
    macs += layers[i].macs();
    bitops += layers[i].bitops();
  }
  EXPECT_DOUBLE_EQ(macs, 7072);
  EXPECT_DOUBLE_EQ(bitops, 303616);
  // The cost model's precomputed lookups give the same totals.
  const CostModel model(space);
  const Costs c = model.costs(arch, policy);
  EXPECT_DOUBLE_EQ(c.macs, 7072);
  EXPECT_DOUBLE_EQ(c.bitops, 303616);
}

TEST(LayerShapes, ShapesOfTheTwoBlockNetwork) {
  const SearchSpace space(two_block_spec());
  const Arch arch = parse_arch(space, "k3m8 k5m24");
  const auto layers = network_layers(space, arch, space.uniform_policy(arch, 8));
  const LayerShape& dw = layers[4].shape;
  EXPECT_EQ(dw.type, LayerType::depthwise);
  EXPECT_EQ(dw.groups, 8);
  EXPECT_EQ(dw.stride, 2);
  EXPECT_EQ(dw.in_size, 4);
  EXPECT_EQ(dw.out_size, 2);
  EXPECT_EQ(layers[4].slot, 0);
  EXPECT_EQ(layers[4].role, LayerRole::searchable);
  EXPECT_EQ(layers[0].role, LayerRole::head);
  EXPECT_EQ(layers.back().role, LayerRole::tail);
  EXPECT_EQ(layers.back().shape.type, LayerType::linear);
  EXPECT_EQ(layer_key(dw, 8, 4), "dw 8>8 k3 s2 g8 4>2 w8a4");
  EXPECT_EQ(layer_key(layers.back().shape, 8, 8), "linear 16>10 k1 s1 g1 1>1 w8a8");
}

TEST(LayerShapes, InvalidPolicyIsRejected) {
  const SearchSpace space(two_block_spec());
  const Arch arch = parse_arch(space, "k3m8 k5m24");
  Policy policy = space.uniform_policy(arch, 8);
  policy.blocks[1].pw_w = 6;
  EXPECT_THROW(network_layers(space, arch, policy), std::invalid_argument);
}

TEST(LayerShapes, SpaceKeysCoverEveryLayerOfEveryArch) {
  const SearchSpace space(default_fmnist_space());
  const auto keys = space_cost_keys(space);
  const std::set<CostKey> key_set(keys.begin(), keys.end());
  EXPECT_EQ(key_set.size(), keys.size());
  Rng rng(3);
  for (int i = 0; i < 50; ++i) {
    const Arch arch = space.sample(rng);
    for (const Layer& l : network_layers(space, arch, space.sample_policy(arch, rng)))
      EXPECT_TRUE(key_set.count(CostKey{l.shape, l.w_bits, l.a_bits})) << layer_key(l.shape, l.w_bits, l.a_bits);
  }
  // By hand for the two-block space: slot 1 (4 ch in, 4x4, stride 2) has expand 4>{8,12}, dw
  // {8,12} x k{3,5}, project {8,12}>8: 8 shapes; slot 2 (8 ch in, 2x2) likewise 8; none shared.
  // Each takes 2 x 2 bit pairs; the 5 fixed layers (stem, first dw/project, head, classifier) 8/8,
  // but the head conv (8>16 1x1 at 2x2) is the shape of slot 2's expand at width 16: counted once.
  const SearchSpace two(two_block_spec());
  EXPECT_EQ(space_layer_shapes(two).size(), 16u + 5 - 1);
  EXPECT_EQ(space_cost_keys(two).size(), 16u * 4 + 5 - 1);
}

}  // namespace
}  // namespace apq
