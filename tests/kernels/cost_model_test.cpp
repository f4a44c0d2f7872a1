#include "kernels/cost_model.hpp"
#include "tiny_space.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>

#include "io/cost_table_store.hpp"
#include "kernels/bitfusion_model.hpp"
#include "kernels/host_latency.hpp"

#include <cstdio>
#include <unistd.h>

namespace apq {
namespace {

SpaceSpec tiny_spec() { return test::tiny_two_stage_spec(); }

// A table whose entries are easy to sum by hand: latency = MACs, energy = bits product.
CostTable counting_table(const SearchSpace& space) {
  return fill_table(
      space, [](const CostKey& k) { return CostEntry{layer_macs(k.shape), double(k.w_bits * k.a_bits)}; }, "counting");
}

TEST(CostModel, NetworkCostIsHeadPlusTailPlusLayers) {
  const SearchSpace space(default_fmnist_space());
  const CostTable table = bitfusion_table(space);
  const CostModel model(space, table);
  Rng rng(11);
  for (int i = 0; i < 100; ++i) {
    const Arch arch = space.sample(rng);
    const Policy policy = space.sample_policy(arch, rng);
    const Costs fast = model.costs(arch, policy);
    const Costs slow = layer_costs(network_layers(space, arch, policy), &table);
    EXPECT_NEAR(fast.latency_ms, slow.latency_ms, 1e-12 * slow.latency_ms);
    EXPECT_NEAR(fast.energy_mj, slow.energy_mj, 1e-12 * slow.energy_mj);
    EXPECT_DOUBLE_EQ(fast.macs, slow.macs);
    EXPECT_DOUBLE_EQ(fast.bitops, slow.bitops);
  }
  // The fixed part is exactly the head and tail layers.
  Costs fixed = layer_costs(head_layers(space), &table);
  const Costs tail = layer_costs(tail_layers(space), &table);
  EXPECT_DOUBLE_EQ(model.fixed_costs().latency_ms, fixed.latency_ms + tail.latency_ms);
}

TEST(CostModel, CountingTableSumsByHand) {
  const SearchSpace space(tiny_spec());
  const CostTable table = counting_table(space);
  const CostModel model(space, table);
  const Arch arch = space.smallest();
  const Policy policy = space.uniform_policy(arch, 4);
  const auto layers = network_layers(space, arch, policy);
  // latency = sum of MACs; energy = 5 fixed layers x 64 + 3 layers per active block x 16.
  const Costs c = model.costs(arch, policy);
  EXPECT_DOUBLE_EQ(c.latency_ms, c.macs);
  const int blocks = arch.depth[0] + arch.depth[1];
  EXPECT_DOUBLE_EQ(c.energy_mj, 5 * 64 + 3 * blocks * 16);
  EXPECT_EQ(layers.size(), 5u + 3 * blocks);
}

TEST(CostModel, MissingEntryIsAClearError) {
  const SearchSpace space(tiny_spec());
  CostTable table = counting_table(space);
  table.source = "partial";
  CostTable partial;
  partial.source = "partial";
  const Arch arch = space.largest();
  const auto layers = network_layers(space, arch, space.uniform_policy(arch, 4));
  const Layer& dropped = layers[4];  // block1.dw
  for (const auto& [key, entry] : table.entries())
    if (!(key == CostKey{dropped.shape, 4, 4})) partial.set(key, entry);
  const std::string key = layer_key(dropped.shape, 4, 4);
  try {
    CostModel model(space, partial);
    ADD_FAILURE() << "a table missing an entry was accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("lacks 1 entries"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(key), std::string::npos) << e.what();
  }
  try {
    layer_costs(layers, &partial);
    ADD_FAILURE() << "a missing entry was priced";
  } catch (const std::out_of_range& e) {
    EXPECT_NE(std::string(e.what()).find(key + " (block1.dw)"), std::string::npos) << e.what();
  }
  EXPECT_EQ(partial.missing(space).size(), 1u);
  EXPECT_TRUE(table.missing(space).empty());
}

TEST(CostModel, TableSurvivesTheHdf5RoundTrip) {
  const SearchSpace space(default_fmnist_space());
  const CostTable table = bitfusion_table(space);
  const std::string path = std::string(APQ_BINARY_DIR) + "/cost-model-test-" + std::to_string(getpid()) + ".h5";
  write_cost_table(path, to_records(table));
  const CostTable back = from_records(read_cost_table(path));
  std::remove(path.c_str());
  EXPECT_EQ(back.source, "bitfusion-model");
  EXPECT_EQ(back.description, table.description);
  ASSERT_EQ(back.size(), table.size());
  for (const auto& [key, entry] : table.entries()) {
    EXPECT_EQ(back.at(key).latency_ms, entry.latency_ms);
    EXPECT_EQ(back.at(key).energy_mj, entry.energy_mj);
  }
  const CostModel a(space, table), b(space, back);
  const Arch arch = space.largest();
  EXPECT_EQ(a.costs(arch, space.uniform_policy(arch, 4)).latency_ms, b.costs(arch, space.uniform_policy(arch, 4)).latency_ms);
  // The rows carry the readable key.
  EXPECT_EQ(to_records(table).rows.front().layer.substr(0, 5), "conv ");
}

TEST(CostModel, WithoutTableOnlyOperationCountsAreKnown) {
  const SearchSpace space(tiny_spec());
  const CostModel model(space);
  const Arch arch = space.largest();
  const Costs c = model.costs(arch, space.uniform_policy(arch, 8));
  EXPECT_TRUE(std::isnan(c.latency_ms));
  EXPECT_TRUE(std::isnan(c.energy_mj));
  EXPECT_DOUBLE_EQ(c.bitops, 64 * c.macs);
}

TEST(CostModel, ChoicesOutsideTheSpaceAreRejected) {
  const SearchSpace space(tiny_spec());
  const CostModel model(space, counting_table(space));
  const Arch arch = space.largest();
  Policy policy = space.uniform_policy(arch, 8);
  policy.blocks[0].dw_a = 6;
  EXPECT_THROW(model.costs(arch, policy), std::invalid_argument);
  Arch bad = arch;
  bad.mid[0] = 7;
  EXPECT_THROW(model.costs(bad, space.uniform_policy(arch, 8)), std::invalid_argument);
}

TEST(BitFusion, BrickPrecisionRoundsUp) {
  EXPECT_EQ(brick_precision(2), 2);
  EXPECT_EQ(brick_precision(3), 4);
  EXPECT_EQ(brick_precision(4), 4);
  EXPECT_EQ(brick_precision(5), 8);
  EXPECT_EQ(brick_precision(6), 8);
  EXPECT_EQ(brick_precision(8), 8);
  EXPECT_THROW(brick_precision(1), std::invalid_argument);
  EXPECT_THROW(brick_precision(9), std::invalid_argument);
}

TEST(BitFusion, PointwiseLayerByHand) {
  LayerShape s;  // 1x1 conv 64 -> 64 at 8x8
  s.in_channels = s.out_channels = 64;
  s.in_size = s.out_size = 8;
  const BitFusionConfig c;  // 16 x 32 units, 500 MHz, 25.6 GB/s
  const auto b8 = bitfusion_breakdown(s, 8, 8, c);
  // reduction 64 over 16 rows: 4 passes; 64 outputs over 32 columns: 2; 64 pixels.
  EXPECT_DOUBLE_EQ(b8.cycles, 64 * 4 * 2);
  EXPECT_DOUBLE_EQ(b8.dram_bytes, 4096 + 4096 + 4096);  // weights, inputs, outputs at 1 byte
  EXPECT_NEAR(b8.compute_ms, 512 / 500e3, 1e-15);
  EXPECT_NEAR(b8.memory_ms, 12288 / 25.6e6, 1e-15);
  EXPECT_FALSE(b8.memory_bound);
  EXPECT_NEAR(b8.latency_ms, 512 / 500e3 + 0.5e-3, 1e-15);
  const double dynamic_pj = 262144.0 * 16 * 0.02 + 12288 * 160.0;
  EXPECT_NEAR(b8.energy_mj, dynamic_pj * 1e-9 + 50 * b8.latency_ms * 1e-3, 1e-15);
  // 4x4 bits: 4 MACs per unit along the reduction -> one pass; 6 bits cost as 8.
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 4, 4, c).cycles, 64 * 1 * 2);
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 6, 8, c).cycles, b8.cycles);
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 4, 8, c).cycles, 64 * 2 * 2);
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 2, 2, c).cycles, 64 * 1 * 2);  // 16x fused, still >= 1 pass
}

TEST(BitFusion, DepthwiseUsesOneColumnPerChannel) {
  LayerShape s;
  s.type = LayerType::depthwise;
  s.in_channels = s.out_channels = s.groups = 96;
  s.kernel = 7;
  s.in_size = s.out_size = 7;
  const BitFusionConfig c;
  // 49 taps over 16 rows: 4 passes at 8 bits, 2 at 8x4 (32 rows), 1 at 4x4 (64 rows).
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 8, 8, c).cycles, 96 * 49 * 4);
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 8, 4, c).cycles, 96 * 49 * 2);
  EXPECT_DOUBLE_EQ(bitfusion_breakdown(s, 4, 4, c).cycles, 96 * 49 * 1);
}

TEST(BitFusion, FewerBitsNeverCostMore) {
  SpaceSpec spec = default_fmnist_space();
  spec.bits = {2, 4, 6, 8};
  const SearchSpace wide(spec);
  const CostModel model(wide, bitfusion_table(wide));
  Rng rng(5);
  for (int i = 0; i < 20; ++i) {
    const Arch arch = wide.sample(rng);
    double last_latency = 0, last_energy = 0;
    for (int bits : {2, 4, 6, 8}) {
      const Costs c = model.costs(arch, wide.uniform_policy(arch, bits));
      EXPECT_GE(c.latency_ms, last_latency);
      EXPECT_GE(c.energy_mj, last_energy);  // 6 bits run on 8-bit bricks: equal to 8
      last_latency = c.latency_ms;
      last_energy = c.energy_mj;
    }
  }
}

TEST(HostLatency, TableIsCompleteAndIndependentOfBits) {
  const SearchSpace space(tiny_spec());
  HostTimingOptions options;
  options.warmup = 1;
  options.repeats = 3;
  options.host_watts = 10.0;
  const CostTable table = host_latency_table(space, options);
  EXPECT_EQ(table.source, "host-measured");
  EXPECT_TRUE(table.missing(space).empty());
  EXPECT_EQ(table.size(), space_cost_keys(space).size());
  for (const auto& [key, entry] : table.entries()) {
    EXPECT_GT(entry.latency_ms, 0.0) << layer_key(key.shape, key.w_bits, key.a_bits);
    EXPECT_DOUBLE_EQ(entry.energy_mj, entry.latency_ms * 10.0);  // W x ms = mJ
    for (int wb : space.spec().bits)  // fp32 host time does not depend on the policy's bits
      if (table.contains(CostKey{key.shape, wb, wb})) {
        EXPECT_EQ(table.at(CostKey{key.shape, wb, wb}).latency_ms, entry.latency_ms);
      }
  }
  EXPECT_NO_THROW(CostModel(space, table));
  options.repeats = 0;
  EXPECT_THROW(time_layer_ms(space_layer_shapes(space).front(), options), std::invalid_argument);
}

}  // namespace
}  // namespace apq
