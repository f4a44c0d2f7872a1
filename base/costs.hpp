// Hardware cost of one (architecture, policy) and the budget a search must respect.
// Shared by the cost model (which computes Costs) and the evolution (which checks Budget).
#pragma once
#include <string>

namespace apq {

struct Costs {
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double bitops = 0.0;  // sum over layers of MACs x weight bits x activation bits
  double macs = 0.0;
};

// One of the costs, as an objective of the multi-objective search and an axis of apq-h5's plots.
enum class CostAxis { latency, energy, bitops };

inline double cost_on(const Costs& c, CostAxis axis) {
  switch (axis) {
    case CostAxis::latency: return c.latency_ms;
    case CostAxis::energy: return c.energy_mj;
    case CostAxis::bitops: return c.bitops;
  }
  return c.latency_ms;
}

// "latency" | "energy" | "bitops": the names configs and apq-h5 use.
inline const char* cost_axis_name(CostAxis axis) {
  switch (axis) {
    case CostAxis::latency: return "latency";
    case CostAxis::energy: return "energy";
    case CostAxis::bitops: return "bitops";
  }
  return "latency";
}

// A limit of 0 (or less) means "no limit on this quantity".
struct Budget {
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double bitops = 0.0;

  bool any() const { return latency_ms > 0 || energy_mj > 0 || bitops > 0; }
  bool admits(const Costs& c) const {
    return (latency_ms <= 0 || c.latency_ms <= latency_ms) && (energy_mj <= 0 || c.energy_mj <= energy_mj) &&
           (bitops <= 0 || c.bitops <= bitops);
  }
  // e.g. "latency <= 1.5 ms, BitOps <= 2.1e+09"
  std::string describe() const {
    std::string out;
    auto add = [&](const char* name, double v, const char* unit) {
      if (v <= 0) return;
      if (!out.empty()) out += ", ";
      out += std::string(name) + " <= " + std::to_string(v) + unit;
    };
    add("latency", latency_ms, " ms");
    add("energy", energy_mj, " mJ");
    add("BitOps", bitops, "");
    return out.empty() ? "no budget" : out;
  }
};

}  // namespace apq
