// Shared by the stages made of work items: plan the items not yet on disk, run them on every
// worker of every rank, and hand each final result to the stage's writer as it arrives.
#pragma once
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "actors/messages.hpp"
#include "pipeline/run_context.hpp"

namespace apq {
namespace actors {
class Node;
class Layout;
}

// Where the roles of this run live (the same on every rank).
actors::Layout run_layout(const RunContext& ctx);
int search_islands(const RunContext& ctx);

using ItemFiller = std::function<void(actors::WorkItem&)>;
using ResultSink = std::function<void(const actors::WorkResult&, const actors::WorkItem&)>;

// Items 0..total-1 except those `done` holds (anything with contains(id)), seeds from the run
// seed, task and ID; `fill` sets each item's inputs.
template <class Done>
std::vector<actors::WorkItem> plan_items(const RunContext& ctx, const std::string& task, int total, const Done& done,
                                         const ItemFiller& fill);
std::vector<actors::WorkItem> plan_items_from_ids(const RunContext& ctx, const std::string& task,
                                                  const std::vector<std::uint64_t>& ids, const ItemFiller& fill);

// Runs the items on every worker of the run's layout; `sink` sees each item's final result
// (ok, or failed after the configured attempts). Prints progress and a summary line.
void run_items(const RunContext& ctx, actors::Node& node, const std::string& task, std::vector<actors::WorkItem> items,
               int total, const ResultSink& sink);

template <class Done>
std::vector<actors::WorkItem> plan_items(const RunContext& ctx, const std::string& task, int total, const Done& done,
                                         const ItemFiller& fill) {
  std::vector<std::uint64_t> ids;
  for (int id = 0; id < total; ++id)
    if (!done.contains(id)) ids.push_back(static_cast<std::uint64_t>(id));
  return plan_items_from_ids(ctx, task, ids, fill);
}

}  // namespace apq
