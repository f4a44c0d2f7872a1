// Quantized accuracy items: what collect-quant measures for its planned items, and what each
// search round measures for its best candidates (kind search_round), the same way: the
// workers fine-tune and evaluate, rank 0 appends each to quant_dataset.h5 as it arrives.
#pragma once
#include <cstdint>
#include <map>

#include "io/dataset_store.hpp"
#include "kernels/search_space.hpp"
#include "launch/run_context.hpp"

namespace apq {
namespace actors {
class Node;
}

struct QuantPlanItem {
  Arch arch;
  Policy policy;
  QuantItemKind kind = QuantItemKind::random_pair;
  std::int64_t group = -1;
};

// Measures every planned item (by ID) not yet in quant_dataset.h5. Rank 0 only.
void measure_quant_items(const RunContext& ctx, actors::Node& node, const std::map<std::uint64_t, QuantPlanItem>& plan);

}  // namespace apq
