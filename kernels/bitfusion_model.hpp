// An analytic latency/energy model of a bit-flexible accelerator in the BitFusion style
// (Sharma et al., ISCA 2018): a rows x cols systolic array of fusion units, each made of
// 2-bit x 2-bit "BitBricks". At w x a bits a fusion unit performs (8/w)*(8/a) MACs per cycle,
// with w and a rounded up to a brick-supported precision in {2, 4, 8}. A layer takes
// max(compute time, DRAM time) + a fixed per-layer overhead (a roofline). docs/COST-MODEL.md
// states the formula and every constant. Torch-free.
#pragma once
#include <string>

#include "kernels/cost_model.hpp"
#include "kernels/layer_shapes.hpp"

namespace apq {

struct BitFusionConfig {
  int rows = 16;                     // fusion units along the reduction (input) dimension
  int cols = 32;                     // fusion units along the output-channel dimension
  double clock_mhz = 500.0;
  double dram_gb_per_s = 25.6;       // DRAM bandwidth, 1e9 bytes per second
  double brick_energy_pj = 0.02;     // one 2x2-bit brick multiply-accumulate
  double dram_energy_pj_per_byte = 160.0;
  double static_power_mw = 50.0;     // leakage and clock while the layer runs
  double layer_overhead_us = 0.5;    // configuration and pipeline fill per layer
  int output_bits = 8;               // outputs are written back re-quantized to this width

  std::string describe() const;      // one line with every constant, stored in the table's attributes
};

// Brick-supported precision of `bits` (2..8): 2, 4 or 8. Throws std::invalid_argument outside 2..8.
int brick_precision(int bits);

struct BitFusionBreakdown {
  double cycles = 0;        // compute cycles on the array
  double dram_bytes = 0;    // weights + input activations + outputs, each moved once
  double compute_ms = 0;
  double memory_ms = 0;
  double latency_ms = 0;    // max(compute, memory) + overhead
  double energy_mj = 0;     // bricks + DRAM + static power x latency
  bool memory_bound = false;
};

BitFusionBreakdown bitfusion_breakdown(const LayerShape& shape, int w_bits, int a_bits, const BitFusionConfig& config);
CostEntry bitfusion_cost(const CostKey& key, const BitFusionConfig& config);

// A complete table for the space (source "bitfusion-model", the constants as description).
CostTable bitfusion_table(const SearchSpace& space, const BitFusionConfig& config = {});

}  // namespace apq
