// Stage 8: the top K searched candidates, and each baseline's best (search.baselines), are
// extracted from the supernet, quantized with their policy, fine-tuned with the same recipe and
// evaluated on the validation split and once on the test split, in parallel on the workers; each is
// also measured on validation exactly as collect-quant measures a label, so the predictor's error
// is told apart from what the longer fine-tune adds. Before them, what the longer fine-tune adds
// is measured on a few labelled items (pipeline/finetune_gain.hpp), which makes every prediction a
// forecast of the finalized accuracy; rank 0
// writes final.h5 and one TorchScript file per network (pipeline/final_models.hpp), and prints the
// final table with the joint winner against each baseline.
#include <algorithm>
#include <cmath>
#include <iomanip>
#include <iostream>
#include <limits>
#include <sstream>

#include "analysis/accuracy_stats.hpp"
#include "analysis/prediction_check.hpp"
#include "io/final_store.hpp"
#include "io/search_store.hpp"
#include "pipeline/final_models.hpp"
#include "pipeline/finetune_gain.hpp"
#include "pipeline/scoring.hpp"
#include "pipeline/search_baselines.hpp"
#include "pipeline/stages.hpp"
#include "pipeline/task_payloads.hpp"
#include "pipeline/work_plan.hpp"
#include "pipeline/workbench.hpp"

namespace apq {
namespace {

struct Finalist {
  std::string method;
  SearchResult candidate;
};

// The joint search's top K, then each baseline's one result (when search.baselines is on and the
// method found one). A finalist's position in this list is its rank in final.h5.
std::vector<Finalist> finalists(const RunContext& ctx) {
  const std::string path = ctx.scenario_file("search.h5");
  const SearchFile file = read_search(path);
  auto results_of = [&](const std::string& method) -> const std::vector<SearchResult>* {
    for (const auto& set : file.sets)
      if (set.method == method && set.completed) return &set.results;
    return nullptr;
  };
  const auto* joint = results_of("joint");
  if (joint == nullptr) throw std::runtime_error(path + ": no joint search results (run the search stage first)");
  std::vector<Finalist> out;
  const int k = std::min<int>(ctx.pipeline().finalize.top_k, static_cast<int>(joint->size()));
  for (int i = 0; i < k; ++i) out.push_back({"joint", joint->at(i)});
  if (!ctx.pipeline().search.baselines) return out;
  for (const auto& method : baseline_methods(*ctx.space)) {
    const auto* found = results_of(method);
    if (found == nullptr) throw std::runtime_error(path + ": no " + method + " baseline results (rerun the search stage)");
    if (!found->empty()) out.push_back({method, found->front()});
  }
  return out;
}

// How the best joint winner compares with each measured baseline, on validation top-1 (which
// decides; test is reported once, in the table).
std::string comparison(const std::vector<FinalEntry>& entries) {
  const FinalEntry* best_joint = nullptr;
  for (const auto& e : entries)
    if (e.method == "joint" && (best_joint == nullptr || e.val_accuracy > best_joint->val_accuracy)) best_joint = &e;
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  for (const auto& e : entries) {
    if (e.method == "joint" || best_joint == nullptr) continue;
    out << "\n  joint (rank " << best_joint->rank << ") vs " << e.method << ": validation " << 100 * best_joint->val_accuracy
        << "% vs " << 100 * e.val_accuracy << "% (" << std::showpos << 100 * (best_joint->val_accuracy - e.val_accuracy)
        << std::noshowpos << " +- "
        << 100 * difference_se(best_joint->val_accuracy, best_joint->val_images, e.val_accuracy, e.val_images)
        << " points, 1 SE on " << e.val_images << " images), test " << 100 * best_joint->test_accuracy << "% vs " << 100 * e.test_accuracy << "%";
  }
  return out.str();
}

// The predictor's error where it is like for like (measured with the labels' recipe), what
// finalize's longer fine-tune adds on top, and how far finalize measured from each forecast; ""
// for files written before either was kept.
std::string predictor_error(const RunContext& ctx, const std::vector<FinalEntry>& entries) {
  std::vector<CheckedNetwork> networks;
  for (const auto& e : entries)
    networks.push_back(
        {e.predicted_accuracy, e.label_recipe_val_accuracy, e.val_accuracy, e.forecast_val_accuracy, e.forecast_stddev});
  const PredictionCheck c = prediction_check(networks);
  std::ostringstream out;
  out << std::fixed << std::setprecision(2);
  if (c.networks > 0)
    out << "\n  measured as the labels are (collect-quant's " << ctx.pipeline().collect_quant.job.finetune_steps
        << "-step fine-tune, what the predictor predicts): " << std::showpos << c.mean_error << std::noshowpos
        << " points from the prediction on average, at most " << c.worst << " off, over " << c.networks
        << " networks; finalize's " << ctx.pipeline().finalize.job.finetune_steps << "-step fine-tune then adds "
        << std::showpos << c.mean_gain << std::noshowpos << " points on average";
  if (c.forecasts > 0)
    out << "\n  forecast (prediction + the gain measured on labelled items before the finalists, expected error "
        << 100 * entries.front().forecast_stddev << " points): finalize measured " << std::showpos << c.forecast_mean_error
        << std::noshowpos << " points from it on average, at most " << c.forecast_worst << " off; " << c.within_one_sd
        << " of " << c.forecasts << " networks within the expected error, " << c.within_two_sd << " within twice it";
  return out.str();
}

void print_report(const RunContext& ctx) {
  const FinalFile final_file = read_final(ctx.scenario_file("final.h5"), false);
  std::ostringstream out;
  out << std::fixed << std::setprecision(4);
  out << "finalize: the found (architecture, policy) pairs, fine-tuned with quantization (\"as labelled\": measured "
         "with the labels' shorter recipe):\n";
  out << "  rank  method    predicted  +- spread  as labelled  - predicted  forecast  val top-1  - predicted  test top-1  "
         "latency ms  energy mJ      BitOps\n";
  for (const auto& e : final_file.entries)
    out << "  " << std::setw(4) << e.rank << "  " << std::left << std::setw(8) << e.method << std::right << "  "
        << std::setw(9) << e.predicted_accuracy << "  " << std::setw(9) << e.predicted_stddev << "  " << std::setw(11)
        << e.label_recipe_val_accuracy << "  " << std::setw(11) << std::showpos
        << e.label_recipe_val_accuracy - e.predicted_accuracy << std::noshowpos << "  " << std::setw(8)
        << e.forecast_val_accuracy << "  " << std::setw(9) << e.val_accuracy
        << "  " << std::setw(11) << std::showpos << e.val_accuracy - e.predicted_accuracy << std::noshowpos << "  "
        << std::setw(10) << e.test_accuracy << "  " << std::setw(10) << e.latency_ms << "  " << std::setw(9)
        << e.energy_mj << "  " << std::setprecision(3) << std::scientific << std::setw(10) << e.bitops << std::fixed
        << std::setprecision(4) << "\n";
  if (!final_file.entries.empty()) {
    const FinalEntry& best = final_file.entries.front();
    out << "  best predicted: arch   " << best.arch << "\n                  policy " << best.policy;
  }
  out << predictor_error(ctx, final_file.entries);
  out << comparison(final_file.entries);
  say(ctx, out.str());
}

}  // namespace

void finalize_stage(const RunContext& ctx, StageEnv& env) {
  actors::Node& node = env.node;
  if (!ctx.leader()) return;
  const std::string path = ctx.scenario_file("final.h5");
  const std::vector<Finalist> candidates = finalists(ctx);
  const int k = static_cast<int>(candidates.size());
  const FinetuneGain gain = measure_finetune_gain(ctx, node);
  // The forecast's expected error: what the search's predictor misses on its held-out pairs,
  // and how much the gain varies from network to network.
  const double forecast_sd = gain.items > 0 ? std::hypot(load_search_predictor(ctx, kQuantPredictor).rmse, gain.sd / 100)
                                            : std::numeric_limits<double>::quiet_NaN();
  const std::set<std::int32_t> done = final_ranks(path, ctx.meta);
  struct DoneRanks {
    const std::set<std::int32_t>& ranks;
    bool contains(int id) const { return ranks.count(id) != 0; }
  } on_disk{done};
  std::vector<actors::WorkItem> items = plan_items(ctx, task::finalize, k, on_disk, [&](actors::WorkItem& item) {
    const SearchResult& c = candidates.at(item.id).candidate;
    const Arch arch = parse_arch(*ctx.space, c.arch);
    item.input = actors::make_payload(QuantizedSubnetTask{arch, parse_policy(*ctx.space, arch, c.policy)});
  });
  run_items(ctx, node, task::finalize, std::move(items), k, [&](const actors::WorkResult& r, const actors::WorkItem& item) {
    if (r.status != actors::WorkStatus::ok) return;  // reported by run_items; a rerun retries it
    const SearchResult& c = candidates.at(r.id).candidate;
    FinalEntry e;
    e.rank = static_cast<std::int32_t>(r.id);
    e.method = candidates.at(r.id).method;
    e.arch = c.arch;
    e.policy = c.policy;
    e.predicted_accuracy = c.predicted_accuracy;
    e.predicted_stddev = c.predicted_stddev;
    if (gain.items > 0) e.forecast_val_accuracy = c.predicted_accuracy + gain.mean / 100;
    e.forecast_stddev = forecast_sd;
    FinalAnswer answer = actors::read_payload<FinalAnswer>(r.answer);
    e.val_accuracy = answer.val.top1;
    e.test_accuracy = answer.test.top1;
    e.val_images = answer.val.images;
    e.test_images = answer.test.images;
    e.label_recipe_val_accuracy = answer.label_recipe.top1;
    e.state_dict = std::move(answer.weights);
    e.input_mean = answer.input_mean;
    e.input_stddev = answer.input_stddev;
    const auto task = actors::read_payload<QuantizedSubnetTask>(item.input);  // parsed once, in the plan
    e.blocks = final_blocks(*ctx.space, task.arch, task.policy);
    e.latency_ms = c.latency_ms;
    e.energy_mj = c.energy_mj;
    e.bitops = c.bitops;
    const QuantJobConfig& job = ctx.pipeline().finalize.job;
    e.fine_tune_epochs = static_cast<std::int64_t>(job.finetune_steps) * job.batch_size / std::max(1, ctx.data.train.count);
    add_final_entry(path, ctx.meta, e, ctx.data.val_indices);
  });
  const auto exported = export_final_models(ctx);
  if (!exported.empty())
    say(ctx, "finalize: " + std::to_string(exported.size()) + " networks exported for torch.jit.load to " +
                 ctx.scenario_file("models") + "/<rank>-<method>.pt (forward: images 0..255 -> logits)");
  print_report(ctx);
}

}  // namespace apq
