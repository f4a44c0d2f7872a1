#include "pipeline/work_plan.hpp"

#include <iostream>
#include <map>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "actors/progress.hpp"

namespace apq {

actors::Layout run_layout(const RunContext& ctx) {
  return actors::Layout({ctx.process.size, ctx.pipeline().runtime.workers_per_rank, search_islands(ctx)});
}

int search_islands(const RunContext& ctx) {
  const int islands = ctx.pipeline().search.islands;
  return islands > 0 ? islands : ctx.process.size;
}

std::vector<actors::WorkItem> plan_items_from_ids(const RunContext& ctx, const std::string& task,
                                                  const std::vector<std::uint64_t>& ids, const ItemFiller& fill) {
  std::vector<actors::WorkItem> items = actors::make_items(ids, ctx.options.seed, task);
  for (auto& item : items) fill(item);
  return items;
}

void run_items(const RunContext& ctx, actors::Node& node, const std::string& task, std::vector<actors::WorkItem> items,
               int total, const ResultSink& sink) {
  const std::size_t skipped = static_cast<std::size_t>(total) - items.size();
  if (items.empty()) {
    say(ctx, task + ": all " + std::to_string(total) + " items are on disk, skipping");
    return;
  }
  if (skipped) say(ctx, task + ": " + std::to_string(skipped) + " of " + std::to_string(total) + " items already on disk, running the other " + std::to_string(items.size()));
  std::map<std::uint64_t, actors::WorkItem> by_id;
  for (const auto& item : items) by_id.emplace(item.id, item);
  actors::StageOptions options;
  options.name = task;
  options.max_attempts = ctx.pipeline().runtime.max_attempts;
  options.progress_interval_seconds = ctx.pipeline().runtime.progress_seconds;
  options.backup_factor = ctx.pipeline().runtime.backup_factor;
  options.backup_min_seconds = ctx.pipeline().runtime.backup_min_seconds;
  options.on_result = [&](const actors::WorkResult& r) { sink(r, by_id.at(r.id)); };
  const actors::StageReport report = actors::run_stage(node, run_layout(ctx).workers(), std::move(items), options);
  say(ctx, task + ": " + std::to_string(report.results.size() - report.failed) + " done, " + std::to_string(report.failed) +
               " failed, in " + actors::format_duration(report.seconds) +
               (report.backups ? ", " + std::to_string(report.backups) + " backup copies sent for slow items" : ""));
  for (const auto& r : report.results)
    if (r.status == actors::WorkStatus::failed) say(ctx, task + ": item " + std::to_string(r.id) + " failed: " + r.error);
  // One bad item is the item's; most items failing is the setup's: do not call the stage done.
  if (report.failed > 0 && 2 * report.failed > report.results.size())
    throw std::runtime_error(task + ": " + std::to_string(report.failed) + " of " + std::to_string(report.results.size()) +
                             " items failed (see the lines above); stopping");
}

}  // namespace apq
