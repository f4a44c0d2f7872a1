#include "kernels/search_space.hpp"
#include "tiny_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

namespace apq {
namespace {

SpaceSpec tiny_spec() { return test::tiny_two_stage_spec(); }

using test::expect_invalid;

TEST(SearchSpace, DefaultSpaceSlotsAndSizes) {
  const SearchSpace space(default_fmnist_space());
  ASSERT_EQ(space.num_stages(), 4);
  ASSERT_EQ(space.num_slots(), 16);
  // 28 -> stem /2 -> 14 -> /2 -> 7 -> /2 -> 4 -> /2 -> 2 -> /1 -> 2
  EXPECT_EQ(space.slots()[0].in_size, 14);
  EXPECT_EQ(space.slots()[0].in_channels, 16);
  EXPECT_EQ(space.slots()[0].stride, 2);
  EXPECT_EQ(space.slots()[1].in_size, 7);
  EXPECT_EQ(space.slots()[1].in_channels, 24);
  EXPECT_EQ(space.slots()[1].stride, 1);
  EXPECT_EQ(space.slots()[4].in_size, 7);
  EXPECT_EQ(space.slots()[8].in_size, 4);
  EXPECT_EQ(space.slots()[12].in_size, 2);
  EXPECT_EQ(space.last_size(), 2);
  EXPECT_EQ(space.slots()[0].mid_choices, (std::vector<int>{48, 64, 96}));
  EXPECT_EQ(space.first_slot(2), 8);
}

TEST(SearchSpace, FineGrainedWidthsAreMultiplesOfEight) {
  SpaceSpec spec = tiny_spec();
  spec.fine_grained_width = true;
  const SearchSpace space(spec);
  EXPECT_EQ(space.slots()[0].mid_choices, (std::vector<int>{32, 40, 48}));  // 4x8 .. 6x8
  for (const auto& slot : space.slots())
    for (int m : slot.mid_choices) EXPECT_EQ(m % 8, 0);
}

TEST(SearchSpace, BadSpecsAreRejected) {
  auto with = [](auto edit) {
    SpaceSpec spec = tiny_spec();
    edit(spec);
    return spec;
  };
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.bits = {4, 9}; })); }, "outside 2..8");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.bits = {1, 8}; })); }, "outside 2..8");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.kernels = {3, 4}; })); }, "even");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.stages.clear(); })); }, "no stages");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.stages[1].stride = 3; })); }, "stride");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.stages[0].depths.clear(); })); }, "empty");
  expect_invalid([&] { SearchSpace s(with([](SpaceSpec& sp) { sp.num_classes = 1; })); }, "num_classes");
}

TEST(SearchSpace, SamplesAreValidCanonicalAndDeterministic) {
  const SearchSpace space(default_fmnist_space());
  Rng a(42), b(42);
  for (int i = 0; i < 200; ++i) {
    const Arch arch = space.sample(a);
    EXPECT_EQ(arch, space.sample(b));
    EXPECT_NO_THROW(space.check(arch));
    EXPECT_EQ(arch, space.canonical(arch));
    const Policy policy = space.sample_policy(arch, a);
    EXPECT_EQ(policy, space.sample_policy(arch, b));
    EXPECT_NO_THROW(space.check(arch, policy));
  }
  EXPECT_NO_THROW(space.check(space.largest()));
  EXPECT_NO_THROW(space.check(space.smallest()));
  EXPECT_NO_THROW(space.check(space.largest(), space.uniform_policy(space.largest(), 4)));
}

// The mean bit width of a policy's active blocks.
double mean_bits(const SearchSpace& space, const Arch& arch, const Policy& policy) {
  double sum = 0;
  int n = 0;
  for (int i = 0; i < space.num_slots(); ++i) {
    if (!space.is_active(arch, i)) continue;
    const BlockBits& b = policy.blocks[static_cast<std::size_t>(i)];
    sum += b.pw_w + b.pw_a + b.dw_w + b.dw_a;
    n += 4;
  }
  return sum / n;
}

double spread_of_mean_bits(const SearchSpace& space, bool leveled) {
  Rng rng(7);
  std::vector<double> means;
  for (int i = 0; i < 400; ++i) {
    const Arch arch = space.sample(rng);
    const Policy p = leveled ? space.sample_leveled_policy(arch, rng) : space.sample_policy(arch, rng);
    EXPECT_NO_THROW(space.check(arch, p));
    means.push_back(mean_bits(space, arch, p));
  }
  double mean = 0, var = 0;
  for (double m : means) mean += m / static_cast<double>(means.size());
  for (double m : means) var += (m - mean) * (m - mean) / static_cast<double>(means.size());
  return std::sqrt(var);
}

TEST(SearchSpace, LeveledPoliciesSpanTheOverallBitLevel) {
  const SearchSpace space(default_fmnist_space());
  Rng a(3), b(3);
  const Arch arch = space.sample(a);
  space.sample(b);
  EXPECT_EQ(space.sample_leveled_policy(arch, a), space.sample_leveled_policy(arch, b));
  // Independent widths average out; leveled ones keep the level's spread (measured about 0.3 vs 0.9 bits).
  const double uniform = spread_of_mean_bits(space, false), leveled = spread_of_mean_bits(space, true);
  EXPECT_GT(leveled, 2.0 * uniform) << "uniform " << uniform << ", leveled " << leveled;
}

TEST(SearchSpace, CheckRejectsInvalidArchitecturesAndPolicies) {
  const SearchSpace space(tiny_spec());
  const Arch good = space.largest();
  Arch arch = good;
  arch.depth[0] = 3;
  expect_invalid([&] { space.check(arch); }, "depth 3");
  arch = good;
  arch.kernel[1] = 7;
  expect_invalid([&] { space.check(arch); }, "kernel 7");
  arch = good;
  arch.mid[0] = 17;
  expect_invalid([&] { space.check(arch); }, "width 17");
  arch = good;
  arch.depth[1] = 1;  // slot 3 becomes inactive but keeps its values
  expect_invalid([&] { space.check(arch); }, "not canonical");
  arch = good;
  arch.kernel.pop_back();
  expect_invalid([&] { space.check(arch); }, "block count");

  Policy policy = space.uniform_policy(good, 8);
  policy.blocks[2].dw_a = 6;  // 6 is not in the bit set {4, 8}
  expect_invalid([&] { space.check(good, policy); }, "6 bits");
  policy = space.uniform_policy(good, 8);
  policy.blocks.pop_back();
  expect_invalid([&] { space.check(good, policy); }, "policy");
  const Arch small = space.smallest();
  policy = space.uniform_policy(good, 8);  // non-zero bits on the slots the small arch skips
  expect_invalid([&] { space.check(small, policy); }, "not canonical");
}

TEST(SearchSpace, ReadableStringsRoundTrip) {
  const SearchSpace space(default_fmnist_space());
  Rng rng(7);
  for (int i = 0; i < 100; ++i) {
    const Arch arch = space.sample(rng);
    const Policy policy = space.sample_policy(arch, rng);
    const std::string arch_text = to_string(space, arch);
    EXPECT_EQ(parse_arch(space, arch_text), arch) << arch_text;
    const std::string policy_text = to_string(space, arch, policy);
    EXPECT_EQ(parse_policy(space, arch, policy_text), policy) << policy_text;
  }
}

TEST(SearchSpace, ReadableStringsHaveTheDocumentedForm) {
  const SearchSpace space(tiny_spec());
  const Arch arch = parse_arch(space, "k3m16 | k5m16 k3m48");
  EXPECT_EQ(arch.depth, (std::vector<int>{1, 2}));
  EXPECT_EQ(arch.kernel, (std::vector<int>{3, 0, 5, 3}));
  EXPECT_EQ(arch.mid, (std::vector<int>{16, 0, 16, 48}));
  EXPECT_EQ(to_string(space, arch), "k3m16 | k5m16 k3m48");
  const Policy policy = parse_policy(space, arch, "w8a4.w4a8 | w4a4.w8a8 w8a8.w8a8");
  EXPECT_EQ(policy.blocks[0], (BlockBits{8, 4, 4, 8}));
  EXPECT_EQ(policy.blocks[1], (BlockBits{0, 0, 0, 0}));
  EXPECT_EQ(policy.blocks[2], (BlockBits{4, 4, 8, 8}));
  EXPECT_EQ(to_string(space, arch, policy), "w8a4.w4a8 | w4a4.w8a8 w8a8.w8a8");
}

TEST(SearchSpace, MalformedStringsAreRejected) {
  const SearchSpace space(tiny_spec());
  expect_invalid([&] { parse_arch(space, "k3m16"); }, "1 stages");
  expect_invalid([&] { parse_arch(space, "k3m16 | k5m16 | k3m16"); }, "3 stages");
  expect_invalid([&] { parse_arch(space, "k3m16 | k5m16 k3m48 k3m48"); }, "at most 2");
  expect_invalid([&] { parse_arch(space, "k3x16 | k5m16"); }, "expected 'm'");
  expect_invalid([&] { parse_arch(space, "k3m | k5m16"); }, "number after 'm'");
  expect_invalid([&] { parse_arch(space, "k3m16z | k5m16"); }, "trailing");
  expect_invalid([&] { parse_arch(space, "k7m16 | k5m16"); }, "kernel 7");
  expect_invalid([&] { parse_arch(space, " | k5m16"); }, "depth 0");
  const Arch arch = parse_arch(space, "k3m16 | k5m16 k3m48");
  expect_invalid([&] { parse_policy(space, arch, "w8a8.w8a8 | w8a8.w8a8"); }, "1 blocks");
  expect_invalid([&] { parse_policy(space, arch, "w8a8.w8 | w8a8.w8a8 w8a8.w8a8"); }, "expected 'a'");
  expect_invalid([&] { parse_policy(space, arch, "w8a8.w8a6 | w8a8.w8a8 w8a8.w8a8"); }, "6 bits");
  expect_invalid([&] { parse_policy(space, arch, "w8a8.w8a9 | w8a8.w8a8 w8a8.w8a8"); }, "9 bits");
}

}  // namespace
}  // namespace apq
