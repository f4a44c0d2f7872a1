// costs.h5: a per-layer latency/energy table keyed by layer shape and (weight bits, activation
// bits); see docs/COST-MODEL.md for the layout and how to bring a table measured elsewhere.
//   root attributes  schema = "apq-actors/cost-table", schema_version = 1, source, description
//   /shape    int32 [N, 10]  columns (attribute "columns"): type, in_channels, out_channels,
//                            kernel, stride, groups, in_size, out_size, w_bits, a_bits;
//                            type 0 = conv, 1 = depthwise, 2 = linear (attribute "type_codes")
//   /latency  float64 [N]    attribute units = "ms"
//   /energy   float64 [N]    attribute units = "mJ"
//   /layers   string [N]     readable key per row, e.g. "dw 72>72 k5 s2 g72 14>7 w4a8"
//                            (informational; optional when reading)
// No LibTorch; plain records (kernels/cost_model converts them to a CostTable).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace apq {

inline constexpr const char* kCostTableSchema = "apq-actors/cost-table";
inline constexpr int kCostTableSchemaVersion = 1;
inline constexpr const char* kCostShapeColumns =
    "type,in_channels,out_channels,kernel,stride,groups,in_size,out_size,w_bits,a_bits";
inline constexpr int kCostShapeColumnCount = 10;

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

// Validates every row (see check_cost_records) and writes the file atomically: an existing file
// is replaced only by a complete one.
void write_cost_table(const std::string& path, const CostTableData& table);
// Throws std::runtime_error "<path>: ..." for a foreign file, a newer schema, inconsistent
// dataset sizes, or an invalid row.
CostTableData read_cost_table(const std::string& path);

// Throws std::invalid_argument "<context>: row <i> (<layer>): <problem>" for a type outside 0..2,
// non-positive sizes, bits outside 2..8, channels not divisible by groups, a latency or energy
// that is negative or not finite, or a key (shape and bits) that appears twice.
void check_cost_records(const std::vector<CostRecord>& rows, const std::string& context);

}  // namespace apq
