// Stages 2 and 3: the accuracy datasets. Rank 0 plans the items (each with a stable ID, its
// architecture and policy drawn from seeds derived from the run seed and the ID), skips those
// already on disk, hands the rest to the workers on every rank, and appends each result to the
// dataset file as it arrives (one writer per file).
#include <iostream>
#include <map>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/node.hpp"
#include "io/cost_table_store.hpp"
#include "io/dataset_store.hpp"
#include "kernels/cost_model.hpp"
#include "pipeline/quant_items.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/task_payloads.hpp"
#include "pipeline/work_plan.hpp"
#include "pipeline/workbench.hpp"

namespace apq {
namespace {

// Architecture (and policy) of each dataset item, from the item's ID alone.
Arch fp_arch(const RunContext& ctx, std::uint64_t id) {
  Rng rng(derive_seed(ctx.options.seed, stream_tag("fp-arch"), id));
  return ctx.space->sample(rng);
}

// The first half of the quant dataset pairs a random architecture with a random policy; the
// second half draws policies_per_arch policies for each of a few random architectures.
QuantPlanItem quant_item(const RunContext& ctx, std::uint64_t id) {
  const auto& o = ctx.pipeline().collect_quant;
  const std::uint64_t random_pairs = static_cast<std::uint64_t>(o.samples - o.samples / 2);
  Rng rng(derive_seed(ctx.options.seed, stream_tag("quant-pair"), id));
  auto sample_policy = [&](const Arch& arch) {
    return o.policy_sampling == "leveled" ? ctx.space->sample_leveled_policy(arch, rng) : ctx.space->sample_policy(arch, rng);
  };
  if (id < random_pairs) {
    Arch arch = ctx.space->sample(rng);
    Policy policy = sample_policy(arch);
    return {arch, policy, QuantItemKind::random_pair, -1};
  }
  const auto group = static_cast<std::int64_t>((id - random_pairs) / static_cast<std::uint64_t>(o.policies_per_arch));
  Rng group_rng(derive_seed(ctx.options.seed, stream_tag("quant-group"), static_cast<std::uint64_t>(group)));
  Arch arch = ctx.space->sample(group_rng);
  Policy policy = sample_policy(arch);
  return {arch, policy, QuantItemKind::policy_group, group};
}

// Results are written in batches at most this far apart (one write per column instead of one per
// item and column: rank 0's writer was the limit on items per second, docs/SCALING.md); a crash
// loses at most this long of finished items, which the rerun recomputes.
constexpr double kWriteBatchSeconds = 0.5;

}  // namespace

void collect_fp_stage(const RunContext& ctx, StageEnv& env) {
  actors::Node& node = env.node;
  if (!ctx.leader()) return;
  const auto& o = ctx.pipeline().collect_fp;
  FpDatasetWriter writer(ctx.file("fp_dataset.h5"), ctx.meta, ctx.encoding->arch_size());
  writer.set_batch_seconds(kWriteBatchSeconds);
  std::vector<actors::WorkItem> items = plan_items(ctx, task::collect_fp, o.samples, writer,
                                                   [&](actors::WorkItem& item) { item.input = actors::make_payload(SubnetTask{fp_arch(ctx, item.id)}); });
  run_items(ctx, node, task::collect_fp, std::move(items), o.samples, [&](const actors::WorkResult& r, const actors::WorkItem& item) {
    if (r.status != actors::WorkStatus::ok) return writer.append_failure({static_cast<std::int64_t>(r.id), r.error});
    FpRecord rec;
    rec.id = static_cast<std::int64_t>(r.id);
    const Arch arch = actors::read_payload<SubnetTask>(item.input).arch;
    rec.arch = to_string(*ctx.space, arch);
    rec.arch_code = ctx.encoding->encode_arch(arch);
    rec.score = actors::read_payload<FpAnswer>(r.answer).score;
    rec.seconds = r.seconds;
    writer.append(rec);
  });
  writer.sync();
}

void collect_quant_stage(const RunContext& ctx, StageEnv& env) {
  actors::Node& node = env.node;
  if (!ctx.leader()) return;
  std::map<std::uint64_t, QuantPlanItem> plan;
  for (int id = 0; id < ctx.pipeline().collect_quant.samples; ++id)
    plan.emplace(id, quant_item(ctx, static_cast<std::uint64_t>(id)));
  measure_quant_items(ctx, node, plan, ctx.file("quant_dataset.h5"), ctx.file("costs.h5"), task::collect_quant);
}

void measure_quant_items(const RunContext& ctx, actors::Node& node, const std::map<std::uint64_t, QuantPlanItem>& plan,
                         const std::string& path, const std::string& costs_path, const std::string& task) {
  const CostModel costs(*ctx.space, from_records(read_cost_table(costs_path)));
  QuantDatasetWriter writer(path, ctx.meta, ctx.encoding->arch_size(), ctx.encoding->policy_size());
  writer.set_batch_seconds(kWriteBatchSeconds);
  std::vector<std::uint64_t> ids;
  for (const auto& [id, what] : plan)
    if (!writer.contains(static_cast<std::int64_t>(id))) ids.push_back(id);
  std::vector<actors::WorkItem> items = plan_items_from_ids(ctx, task, ids, [&](actors::WorkItem& item) {
    const QuantPlanItem& what = plan.at(item.id);
    item.input = actors::make_payload(QuantizedSubnetTask{what.arch, what.policy});
  });
  const int total = static_cast<int>(plan.size());
  run_items(ctx, node, task, std::move(items), total, [&](const actors::WorkResult& r, const actors::WorkItem& item) {
    if (r.status != actors::WorkStatus::ok) return writer.append_failure({static_cast<std::int64_t>(r.id), r.error});
    const QuantPlanItem& what = plan.at(item.id);
    const Costs c = costs.costs(what.arch, what.policy);
    QuantRecord rec;
    rec.id = static_cast<std::int64_t>(r.id);
    rec.arch = to_string(*ctx.space, what.arch);
    rec.arch_code = ctx.encoding->encode_arch(what.arch);
    rec.policy = to_string(*ctx.space, what.arch, what.policy);
    rec.policy_code = ctx.encoding->encode_policy(what.arch, what.policy);
    rec.kind = what.kind;
    rec.group = what.group;
    const QuantAnswer answer = actors::read_payload<QuantAnswer>(r.answer);
    rec.score = answer.quant;
    if (answer.fp.images > 0) rec.fp_accuracy = answer.fp.top1;
    rec.seconds = r.seconds;
    rec.bitops = c.bitops;
    rec.latency_ms = c.latency_ms;
    rec.energy_mj = c.energy_mj;
    writer.append(rec);
  });
  writer.sync();
}

}  // namespace apq
