// Stage 8: the top K searched candidates are extracted from the supernet, quantized with their
// policy, fine-tuned and evaluated on the validation split and once on the test split, in
// parallel on the workers; rank 0 writes final.h5 and prints the final table.
#include <iomanip>
#include <iostream>
#include <sstream>

#include "io/final_store.hpp"
#include "io/search_store.hpp"
#include "launch/stages.hpp"
#include "launch/task_answers.hpp"
#include "launch/work_plan.hpp"
#include "launch/workbench.hpp"

namespace apq {
namespace {

std::vector<SearchResult> joint_results(const RunContext& ctx) {
  const std::string path = ctx.file("search.h5");
  for (const auto& set : read_search(path).sets)
    if (set.method == "joint" && set.completed) return set.results;
  throw std::runtime_error(path + ": no joint search results (run the search stage first)");
}

void print_report(const RunContext& ctx) {
  const FinalFile final_file = read_final(ctx.file("final.h5"), false);
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  out << "finalize: the best found (architecture, policy), fine-tuned with quantization:\n";
  out << "  rank  predicted  +- spread  val top-1  val - predicted  test top-1  latency ms  energy mJ      BitOps\n";
  for (const auto& e : final_file.entries)
    out << "  " << std::setw(4) << e.rank << "  " << std::setw(9) << e.predicted_accuracy << "  " << std::setw(9)
        << e.predicted_stddev << "  " << std::setw(9) << e.val_accuracy << "  " << std::setw(15) << std::showpos
        << e.val_accuracy - e.predicted_accuracy << std::noshowpos << "  " << std::setw(10) << e.test_accuracy << "  " << std::setw(10) << e.latency_ms << "  "
        << std::setw(9) << e.energy_mj << "  " << std::setprecision(3) << std::scientific << std::setw(10) << e.bitops
        << std::fixed << std::setprecision(4) << "\n";
  if (!final_file.entries.empty()) {
    const FinalEntry& best = final_file.entries.front();
    out << "  best: arch   " << best.arch << "\n        policy " << best.policy;
  }
  say(ctx, out.str());
}

}  // namespace

void finalize_stage(const RunContext& ctx, actors::Node& node) {
  if (!ctx.leader()) return;
  const std::string path = ctx.file("final.h5");
  const auto candidates = joint_results(ctx);
  const int k = std::min<int>(ctx.pipeline().finalize.top_k, static_cast<int>(candidates.size()));
  const std::set<std::int32_t> done = final_ranks(path, ctx.meta);
  struct DoneRanks {
    const std::set<std::int32_t>& ranks;
    bool contains(int id) const { return ranks.count(id) != 0; }
  } on_disk{done};
  std::vector<actors::WorkItem> items = plan_items(ctx, task::finalize, k, on_disk, [&](actors::WorkItem& item) {
    item.arch = candidates.at(item.id).arch;
    item.policy = candidates.at(item.id).policy;
  });
  run_items(ctx, node, task::finalize, std::move(items), k, [&](const actors::WorkResult& r, const actors::WorkItem&) {
    if (r.status != actors::WorkStatus::ok) return;  // reported by run_items; a rerun retries it
    const SearchResult& c = candidates.at(r.id);
    FinalEntry e;
    e.rank = static_cast<std::int32_t>(r.id);
    e.arch = c.arch;
    e.policy = c.policy;
    e.predicted_accuracy = c.predicted_accuracy;
    e.predicted_stddev = c.predicted_stddev;
    FinalAnswer answer = actors::read_payload<FinalAnswer>(r.answer);
    e.val_accuracy = answer.val.top1;
    e.test_accuracy = answer.test.top1;
    e.weights = std::move(answer.weights);
    e.latency_ms = c.latency_ms;
    e.energy_mj = c.energy_mj;
    e.bitops = c.bitops;
    const QuantJobConfig& job = ctx.pipeline().finalize.job;
    e.fine_tune_epochs = static_cast<std::int64_t>(job.finetune_steps) * job.batch_size / std::max(1, ctx.data.train.count);
    add_final_entry(path, ctx.meta, e);
  });
  print_report(ctx);
}

}  // namespace apq
