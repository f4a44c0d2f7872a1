#include "kernels/bitfusion_model.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>

namespace apq {
namespace {

double ceil_div(double a, double b) { return std::ceil(a / b); }

}  // namespace

std::string BitFusionConfig::describe() const {
  std::ostringstream out;
  out << "BitFusion-style array " << rows << "x" << cols << " fusion units, " << clock_mhz << " MHz, DRAM "
      << dram_gb_per_s << " GB/s, " << brick_energy_pj << " pJ per brick MAC, " << dram_energy_pj_per_byte
      << " pJ per DRAM byte, static " << static_power_mw << " mW, overhead " << layer_overhead_us
      << " us per layer, outputs at " << output_bits << " bits";
  return out.str();
}

int brick_precision(int bits) {
  if (bits < 2 || bits > 8) throw std::invalid_argument("bitfusion model: " + std::to_string(bits) + " bits outside 2..8");
  return bits <= 2 ? 2 : bits <= 4 ? 4 : 8;
}

BitFusionBreakdown bitfusion_breakdown(const LayerShape& s, int w_bits, int a_bits, const BitFusionConfig& c) {
  const int wq = brick_precision(w_bits);
  const int aq = brick_precision(a_bits);
  if (c.rows <= 0 || c.cols <= 0 || c.clock_mhz <= 0 || c.dram_gb_per_s <= 0)
    throw std::invalid_argument("bitfusion model: array size, clock and bandwidth must be positive");
  // A fusion unit at wq x aq bits acts as (8/wq)*(8/aq) units along the reduction dimension.
  const double fused = (8.0 / wq) * (8.0 / aq);
  const double reduction = static_cast<double>(s.in_channels / s.groups) * s.kernel * s.kernel;
  const double outputs_per_group = static_cast<double>(s.out_channels / s.groups);
  const double pixels = static_cast<double>(s.out_size) * s.out_size;
  // Groups run one after another: a depthwise conv uses one column (each channel has its own input).
  BitFusionBreakdown b;
  b.cycles = s.groups * pixels * ceil_div(reduction, c.rows * fused) * ceil_div(outputs_per_group, c.cols);
  const double weight_bytes = layer_weights(s) * wq / 8.0;
  const double input_bytes = static_cast<double>(s.in_channels) * s.in_size * s.in_size * aq / 8.0;
  const double output_bytes = static_cast<double>(s.out_channels) * pixels * c.output_bits / 8.0;
  b.dram_bytes = weight_bytes + input_bytes + output_bytes;
  b.compute_ms = b.cycles / (c.clock_mhz * 1e3);
  b.memory_ms = b.dram_bytes / (c.dram_gb_per_s * 1e6);
  b.memory_bound = b.memory_ms > b.compute_ms;
  b.latency_ms = std::max(b.compute_ms, b.memory_ms) + c.layer_overhead_us * 1e-3;
  const double bricks = layer_macs(s) * (wq / 2.0) * (aq / 2.0);
  const double dynamic_pj = bricks * c.brick_energy_pj + b.dram_bytes * c.dram_energy_pj_per_byte;
  b.energy_mj = dynamic_pj * 1e-9 + c.static_power_mw * b.latency_ms * 1e-3;  // mW x ms = uJ = 1e-3 mJ
  return b;
}

CostEntry bitfusion_cost(const CostKey& key, const BitFusionConfig& config) {
  const BitFusionBreakdown b = bitfusion_breakdown(key.shape, key.w_bits, key.a_bits, config);
  return CostEntry{b.latency_ms, b.energy_mj};
}

CostTable bitfusion_table(const SearchSpace& space, const BitFusionConfig& config) {
  return fill_table(
      space, [&](const CostKey& key) { return bitfusion_cost(key, config); }, "bitfusion-model", config.describe());
}

}  // namespace apq
