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

#include "base/cost_records.hpp"

namespace apq {

inline constexpr const char* kCostTableSchema = "apq-actors/cost-table";
inline constexpr int kCostTableSchemaVersion = 1;
inline constexpr const char* kCostShapeColumns =
    "type,in_channels,out_channels,kernel,stride,groups,in_size,out_size,w_bits,a_bits";
inline constexpr int kCostShapeColumnCount = 10;

// Validates every row (see check_cost_records) and writes the file atomically: an existing file
// is replaced only by a complete one.
void write_cost_table(const std::string& path, const CostTableData& table);
// Throws std::runtime_error "<path>: ..." for a foreign file, a newer schema, inconsistent
// dataset sizes, or an invalid row.
CostTableData read_cost_table(const std::string& path);

}  // namespace apq
