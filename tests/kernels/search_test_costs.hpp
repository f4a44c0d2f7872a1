// A stand-in hardware cost for the search tests and the search bench: a sum of per-block lookups.
// MACs from the slot geometry, BitOps = MACs x weight bits x activation bits, and latency/energy
// as simple monotone functions of MACs and BitOps (NOT a hardware model; the cost model is
// kernels/cost_model.hpp). Cheap, like the real cost model's sum of lookups.
#pragma once
#include "base/costs.hpp"
#include "kernels/search_space.hpp"

namespace apq {

inline Costs stand_in_costs(const SearchSpace& space, const Arch& arch, const Policy& policy) {
  Costs c;
  for (int i = 0; i < space.num_slots(); ++i) {
    if (!space.is_active(arch, i)) continue;
    const BlockSlot& s = space.slots()[i];
    const double out_size = (s.in_size - 1) / s.stride + 1;
    const double pw = static_cast<double>(s.in_size) * s.in_size * s.in_channels * arch.mid[i] +
                      out_size * out_size * arch.mid[i] * s.out_channels;
    const double dw = out_size * out_size * arch.mid[i] * arch.kernel[i] * arch.kernel[i];
    const BlockBits& b = policy.blocks[i];
    const double bitops = pw * b.pw_w * b.pw_a + dw * b.dw_w * b.dw_a;
    c.macs += pw + dw;
    c.bitops += bitops;
    c.latency_ms += 0.002 + 1e-8 * (pw + dw) + 2e-10 * bitops;
    c.energy_mj += 1e-9 * (pw + dw) + 5e-11 * bitops;
  }
  return c;
}

}  // namespace apq
