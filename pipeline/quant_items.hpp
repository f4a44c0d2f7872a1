// Quantized accuracy items: what collect-quant measures for its planned items, and what each
// search round measures for its best candidates (kind search_round), the same way: the
// workers fine-tune and evaluate, rank 0 appends each to the dataset file as it arrives
// (quant_dataset.h5; a scenario's rounds.h5 for search rounds).
#pragma once
#include <cstdint>
#include <map>

#include "io/dataset_store.hpp"
#include "kernels/search_space.hpp"
#include "pipeline/run_context.hpp"

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

// Measures every planned item (by ID) not yet in the dataset file `path` with the work item task
// `task` (collect-quant's recipe, or finalize's: task::finalize_gain), priced with the cost table
// `costs_path`. Rank 0 only.
void measure_quant_items(const RunContext& ctx, actors::Node& node, const std::map<std::uint64_t, QuantPlanItem>& plan,
                         const std::string& path, const std::string& costs_path, const std::string& task);

}  // namespace apq
