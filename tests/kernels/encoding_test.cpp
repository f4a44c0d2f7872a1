#include "kernels/encoding.hpp"
#include "tiny_space.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <stdexcept>
#include <string>

namespace apq {
namespace {

SpaceSpec tiny_spec() { return test::tiny_two_stage_spec(); }

using test::expect_invalid;

TEST(Encoding, SizesFollowTheSpace) {
  const SearchSpace space(default_fmnist_space());
  const Encoding enc(space);
  EXPECT_EQ(enc.arch_size(), 16 * (3 + 3));
  EXPECT_EQ(enc.policy_size(), 16 * 4 * 3);
  SpaceSpec fine = default_fmnist_space();
  fine.fine_grained_width = true;
  const SearchSpace fine_space(fine);
  int expected = 0;
  for (const auto& slot : fine_space.slots()) expected += 3 + static_cast<int>(slot.mid_choices.size());
  EXPECT_EQ(Encoding(fine_space).arch_size(), expected);
}

TEST(Encoding, KnownArchitectureHasTheDocumentedLayout) {
  const SearchSpace space(tiny_spec());
  const Encoding enc(space);
  const Arch arch = parse_arch(space, "k5m24 | k3m16 k5m48");
  const auto code = enc.encode_arch(arch);
  // slot 0: k5 -> [0,1], m24 -> [0,1]; slot 1 inactive; slot 2: k3 -> [1,0], m16 -> [1,0];
  // slot 3: k5 -> [0,1], m48 (of 32,48) -> [0,1]
  const std::vector<float> expected{0, 1, 0, 1, 0, 0, 0, 0, 1, 0, 1, 0, 0, 1, 0, 1};
  EXPECT_EQ(code, expected);
  const Policy policy = parse_policy(space, arch, "w8a4.w4a8 | w4a4.w8a8 w8a8.w4a4");
  const auto pcode = enc.encode_policy(arch, policy);
  ASSERT_EQ(pcode.size(), 4u * 4 * 2);
  const std::vector<float> slot0{0, 1, 1, 0, 1, 0, 0, 1};  // w8 a4 . w4 a8 over bits {4, 8}
  EXPECT_TRUE(std::equal(slot0.begin(), slot0.end(), pcode.begin()));
  for (int i = 8; i < 16; ++i) EXPECT_EQ(pcode[i], 0.0f) << "inactive slot must be zero";
}

TEST(Encoding, RoundTripOverRandomSamples) {
  for (bool fine : {false, true}) {
    SpaceSpec spec = default_fmnist_space();
    spec.fine_grained_width = fine;
    const SearchSpace space(spec);
    const Encoding enc(space);
    Rng rng(2024);
    std::vector<int> hot;
    for (int i = 0; i < 300; ++i) {
      const Arch arch = space.sample(rng);
      const Policy policy = space.sample_policy(arch, rng);
      const auto acode = enc.encode_arch(arch);
      const auto pcode = enc.encode_policy(arch, policy);
      EXPECT_EQ(enc.decode_arch(acode), arch);
      EXPECT_EQ(enc.decode_policy(arch, pcode), policy);
      // The hot-index form names exactly the ones of the dense vectors.
      enc.arch_hot(arch, hot);
      EXPECT_TRUE(std::is_sorted(hot.begin(), hot.end()));
      EXPECT_EQ(static_cast<long>(hot.size()), std::count(acode.begin(), acode.end(), 1.0f));
      for (int h : hot) EXPECT_EQ(acode[h], 1.0f);
      enc.policy_hot(arch, policy, hot);
      EXPECT_EQ(static_cast<long>(hot.size()), std::count(pcode.begin(), pcode.end(), 1.0f));
      for (int h : hot) EXPECT_EQ(pcode[h], 1.0f);
    }
  }
}

TEST(Encoding, DifferentPoliciesGiveDifferentCodes) {
  const SearchSpace space(default_fmnist_space());
  const Encoding enc(space);
  const Arch arch = space.largest();
  EXPECT_NE(enc.encode_policy(arch, space.uniform_policy(arch, 4)), enc.encode_policy(arch, space.uniform_policy(arch, 8)));
}

TEST(Encoding, PolicyBitOutsideTheSetIsRejected) {
  const SearchSpace space(tiny_spec());
  const Encoding enc(space);
  const Arch arch = space.largest();
  Policy policy = space.uniform_policy(arch, 8);
  policy.blocks[1].pw_a = 6;
  expect_invalid([&] { enc.encode_policy(arch, policy); }, "activation bits 6");
  policy.blocks[1].pw_a = 8;
  policy.blocks[3].dw_w = 2;
  expect_invalid([&] { enc.encode_policy(arch, policy); }, "depthwise weight bits 2");
  Arch bad = arch;
  bad.kernel[0] = 7;
  expect_invalid([&] { enc.encode_arch(bad); }, "kernel 7");
}

TEST(Encoding, InvalidVectorsAreRejected) {
  const SearchSpace space(tiny_spec());
  const Encoding enc(space);
  const Arch arch = parse_arch(space, "k5m24 | k3m16 k5m48");
  const auto good = enc.encode_arch(arch);

  expect_invalid([&] { enc.decode_arch(std::vector<float>(good.begin(), good.end() - 1)); }, "expected 16");
  auto code = good;
  code[0] = 1;  // two kernels hot in slot 0
  expect_invalid([&] { enc.decode_arch(code); }, "not one-hot");
  code = good;
  code[1] = 0.5f;
  expect_invalid([&] { enc.decode_arch(code); }, "not one-hot");
  code = good;
  code[3] = 0;  // slot 0 has a kernel but no width
  expect_invalid([&] { enc.decode_arch(code); }, "not both");
  code = good;
  code[8] = code[10] = 0;  // slot 2 skipped while slot 3 (same stage) is active
  expect_invalid([&] { enc.decode_arch(code); }, "after a skipped block");

  const Policy policy = space.uniform_policy(arch, 4);
  const auto pgood = enc.encode_policy(arch, policy);
  expect_invalid([&] { enc.decode_policy(arch, std::vector<float>(pgood.size() + 1, 0.0f)); }, "expected 32");
  auto pcode = pgood;
  pcode[8] = 1;  // bits for the inactive slot 1
  expect_invalid([&] { enc.decode_policy(arch, pcode); }, "does not match");
  pcode = pgood;
  pcode[0] = 0;  // an active slot misses its 1x1 weight bits
  expect_invalid([&] { enc.decode_policy(arch, pcode); }, "does not match");
  pcode = pgood;
  pcode[1] = 1;  // both 4 and 8 hot
  expect_invalid([&] { enc.decode_policy(arch, pcode); }, "not one-hot");
}

}  // namespace
}  // namespace apq
