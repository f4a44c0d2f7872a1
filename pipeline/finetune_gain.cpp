#include "pipeline/finetune_gain.hpp"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

#include "io/dataset_store.hpp"
#include "pipeline/predictor_data.hpp"
#include "pipeline/quant_items.hpp"
#include "pipeline/workbench.hpp"

namespace apq {

FinetuneGain measure_finetune_gain(const RunContext& ctx, actors::Node& node) {
  const int wanted = ctx.pipeline().finalize.gain_items;
  if (wanted == 0) return {};
  std::vector<QuantRecord> labels = collected_quant_records(ctx);
  // The best labelled items: finalists are the best networks, and a network's gain shrinks as its
  // label rises (on the main job: +1.47 points on the first 8 items, against +0.96 on the finalists).
  std::sort(labels.begin(), labels.end(), [](const QuantRecord& a, const QuantRecord& b) {
    return a.score.top1 != b.score.top1 ? a.score.top1 > b.score.top1 : a.id < b.id;
  });
  if (static_cast<int>(labels.size()) > wanted) labels.resize(static_cast<std::size_t>(wanted));

  std::map<std::uint64_t, QuantPlanItem> plan;
  for (const QuantRecord& r : labels) {
    const Arch arch = parse_arch(*ctx.space, r.arch);
    plan.emplace(static_cast<std::uint64_t>(r.id), QuantPlanItem{arch, parse_policy(*ctx.space, arch, r.policy), r.kind, r.group});
  }
  const std::string path = ctx.file("finetune_gain.h5");
  measure_quant_items(ctx, node, plan, path, ctx.file("costs.h5"), task::finalize_gain);

  std::map<std::int64_t, double> label_top1;
  for (const QuantRecord& r : labels) label_top1[r.id] = r.score.top1;
  std::vector<std::pair<double, double>> pairs;
  for (const QuantRecord& r : read_quant_dataset(path).records)
    if (label_top1.count(r.id)) pairs.emplace_back(label_top1.at(r.id), r.score.top1);
  const FinetuneGain gain = finetune_gain(pairs);
  std::ostringstream line;
  if (gain.items == 0)
    line << "finalize: no labelled item could be measured with its recipe (" << path << "): no forecasts";
  else
    line << std::fixed << std::setprecision(2) << "finalize: its " << ctx.pipeline().finalize.job.finetune_steps
         << "-step recipe adds " << std::showpos << gain.mean << std::noshowpos << " points to a label (sd " << gain.sd
         << ", SE " << gain.se << "), measured on " << gain.items << " of the " << wanted << " best labelled items ("
         << path << "); each forecast below is the prediction plus that";
  say(ctx, line.str());
  return gain;
}

}  // namespace apq
