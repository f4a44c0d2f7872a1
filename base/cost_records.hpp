// The rows of a per-layer cost table (latency and energy keyed by layer shape and bits) as plain
// records: what io/cost_table_store reads and writes and kernels/cost_model turns into a model.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace apq {

struct CostRecord {
  std::string layer;  // readable key (may be empty when read from a file without /layers)
  std::int32_t type = 0;  // 0 conv, 1 depthwise, 2 linear
  std::int32_t in_channels = 0, out_channels = 0, kernel = 1, stride = 1, groups = 1;
  std::int32_t in_size = 1, out_size = 1, w_bits = 8, a_bits = 8;
  double latency_ms = 0.0;
  double energy_mj = 0.0;
};

struct CostTableData {
  std::string source;       // "bitfusion-model", "host-measured", or the user's name for it
  std::string description;  // constants or measurement conditions
  std::vector<CostRecord> rows;
};

// The row's layer shape and bits in the column order of a cost table's /shape dataset: type,
// in_channels, out_channels, kernel, stride, groups, in_size, out_size, w_bits, a_bits.
std::vector<std::int32_t> cost_shape_row(const CostRecord& r);

// Throws std::invalid_argument "<context>: row <i> (<layer>): <problem>" for a type outside 0..2,
// non-positive sizes, bits outside 2..8, channels not divisible by groups, a latency or energy
// that is negative or not finite, or a key (shape and bits) that appears twice.
void check_cost_records(const std::vector<CostRecord>& rows, const std::string& context);

}  // namespace apq
