#include "base/cost_records.hpp"

#include <cmath>
#include <set>
#include <stdexcept>

namespace apq {

std::vector<std::int32_t> cost_shape_row(const CostRecord& r) {
  return {r.type, r.in_channels, r.out_channels, r.kernel, r.stride, r.groups, r.in_size, r.out_size, r.w_bits, r.a_bits};
}

void check_cost_records(const std::vector<CostRecord>& rows, const std::string& context) {
  if (rows.empty()) throw std::invalid_argument(context + ": the cost table has no rows");
  std::set<std::vector<std::int32_t>> seen;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const CostRecord& r = rows[i];
    auto fail = [&](const std::string& what) {
      throw std::invalid_argument(context + ": row " + std::to_string(i) + (r.layer.empty() ? "" : " (" + r.layer + ")") +
                                  ": " + what);
    };
    if (r.type < 0 || r.type > 2) fail("type " + std::to_string(r.type) + " is not 0 (conv), 1 (depthwise) or 2 (linear)");
    for (std::int32_t v : {r.in_channels, r.out_channels, r.kernel, r.stride, r.groups, r.in_size, r.out_size})
      if (v < 1) fail("channels, kernel, stride, groups and sizes must be positive");
    if (r.in_channels % r.groups != 0 || r.out_channels % r.groups != 0) fail("channels are not divisible by groups");
    for (std::int32_t b : {r.w_bits, r.a_bits})
      if (b < 2 || b > 8) fail(std::to_string(b) + " bits outside 2..8");
    if (!std::isfinite(r.latency_ms) || r.latency_ms < 0) fail("latency " + std::to_string(r.latency_ms) + " ms is invalid");
    if (!std::isfinite(r.energy_mj) || r.energy_mj < 0) fail("energy " + std::to_string(r.energy_mj) + " mJ is invalid");
    if (!seen.insert(cost_shape_row(r)).second) fail("the same layer shape and bits appear twice");
  }
}

}  // namespace apq
