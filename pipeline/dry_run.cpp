#include "pipeline/dry_run.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

#include "kernels/layer_shapes.hpp"
#include "kernels/search_space.hpp"
#include "pipeline/scenario.hpp"
#include "pipeline/stage_table.hpp"

namespace apq {
namespace {

// Training a conv net costs about 3x its forward pass (forward, input and weight gradients).
constexpr double kTrainFactor = 3.0;
// Effective CPU rate assumed for the time estimate: measured on this project's 2-core machines
// (LibTorch CPU, channels-last MobileNetV2 blocks at 28x28), per thread.
constexpr double kFlopsPerThread = 5.0e9;

NetSize size_of(const SearchSpace& space, const Arch& arch) {
  NetSize n;
  for (const Layer& l : network_layers(space, arch, space.uniform_policy(arch, 8))) {
    n.macs += l.macs();
    n.weights += layer_weights(l.shape);
    n.largest_activation = std::max(n.largest_activation, double(l.shape.out_channels) * l.shape.out_size * l.shape.out_size);
  }
  return n;
}

std::string si(double v) {
  const char* units[] = {"", "k", "M", "G", "T", "P", "E"};
  int u = 0;
  while (std::fabs(v) >= 1000 && u < 6) v /= 1000, ++u;
  std::ostringstream out;
  out << std::setprecision(3) << v << units[u];
  return out.str();
}

// log10 of the number of distinct (architecture, policy) pairs.
double log10_space(const SearchSpace& space) {
  const double bits4 = 4 * std::log10(double(space.spec().bits.size()));
  const double kernels = std::log10(double(space.spec().kernels.size()));
  double total = 0;
  for (int s = 0; s < space.num_stages(); ++s) {
    double stage = 0;  // sum over depths of the product over active blocks
    for (int d : space.spec().stages[s].depths) {
      double blocks = 0;
      for (int j = 0; j < d; ++j)
        blocks += kernels + std::log10(double(space.slots()[space.first_slot(s) + j].mid_choices.size())) + bits4;
      stage += std::pow(10.0, blocks);
    }
    total += std::log10(stage);
  }
  return total;
}


// Multiply-accumulates of one forward pass of the predictor (its hidden layers).
double predictor_macs(const std::vector<int>& hidden) {
  double macs = 0;
  for (std::size_t i = 1; i < hidden.size(); ++i) macs += double(hidden[i - 1]) * hidden[i];
  return macs;
}

}  // namespace

StageEstimate estimate_train(const DryRunSizes& z) {
  const PipelineOptions& p = z.options.pipeline;
  std::int64_t steps = 0;
  for (auto s : p.train.phase_steps) steps += s;
  const double train_images = double(steps) * p.train.batch_size;
  // From the kernel phase on, each step also trains the largest subnet (in-place distillation)
  // and, with the sandwich rule, the smallest.
  const double extra_macs = p.train.train_smallest ? z.small.macs : 0.0;
  return {std::to_string(steps) + " steps x " + std::to_string(p.train.batch_size) + " images",
          2 * kTrainFactor * train_images * (z.big.macs + z.mean_macs + extra_macs)};
}

double data_bytes_per_rank(const RunOptions& o) {
  const PipelineOptions& p = o.pipeline;
  const double pixels = double(o.space.in_channels) * o.space.image_size * o.space.image_size;
  const double images = double(o.data.train_size) + o.data.val_size + 10000;  // a test set of 10,000 assumed
  if (!o.data.stream)  // every set's bytes, and float copies of the training set and of the set being evaluated
    return images * pixels + 4 * pixels * (double(o.data.train_size) + o.data.val_size);
  // Streamed: labels and file rows (12 bytes per image), HDF5's cache for the two files, and the
  // float images a rank holds at once: its largest calibration set plus a training and an
  // evaluation batch.
  const double calib = std::max({double(p.collect_fp.eval.calib_images), double(p.collect_quant.job.bn_images),
                                 double(p.collect_quant.job.calib_images), double(p.finalize.job.bn_images),
                                 double(p.finalize.job.calib_images)});
  const double batch = double(p.train.batch_size) + 500;
  return 12 * images + 2 * double(o.data.stream_cache_mb) * (1 << 20) + 4 * pixels * (calib + batch);
}

StageEstimate estimate_collect_fp(const DryRunSizes& z) {
  const auto& fp = z.options.pipeline.collect_fp;
  const double images = fp.eval.calib_images + (fp.eval.eval_images > 0 ? fp.eval.eval_images : z.options.data.val_size);
  return {std::to_string(fp.samples) + " items", 2 * double(fp.samples) * images * z.mean_macs};
}

StageEstimate estimate_collect_quant(const DryRunSizes& z) {
  const auto& cq = z.options.pipeline.collect_quant;
  const auto& q = cq.job;
  const double eval = q.eval_images > 0 ? q.eval_images : z.options.data.val_size;
  const double images = kTrainFactor * q.finetune_steps * q.batch_size + 2 * q.bn_images + q.calib_images + eval +
                        (cq.fp_accuracy ? q.bn_images + eval : 0.0);  // the unquantized score, if asked for
  return {std::to_string(cq.samples) + " items", 2 * double(cq.samples) * images * z.mean_macs};
}

StageEstimate estimate_predictor(const DryRunSizes& z) {
  const PipelineOptions& p = z.options.pipeline;
  return {"3 ensembles of " + std::to_string(p.predictor.members) + " predictors, hidden " +
              std::to_string(p.predictor.hidden.size()) + " layers",
          kTrainFactor * 2 * z.predictor_macs * (p.collect_fp.samples + 2.0 * p.collect_quant.samples) *
              p.predictor.fp.max_epochs * p.predictor.members};
}

StageEstimate estimate_search(const DryRunSizes& z) {
  const PipelineOptions& p = z.options.pipeline;
  const double generations = double(p.search.generations) * z.islands * 2;  // joint and staged
  const double candidates = generations * (p.search.evolution.mutants + p.search.evolution.crossovers);
  return {si(candidates) + " candidates scored", 2 * candidates * z.predictor_macs};
}

StageEstimate estimate_finalize(const DryRunSizes& z) {
  const auto& fin = z.options.pipeline.finalize;
  const auto& f = fin.job;
  const double images = kTrainFactor * f.finetune_steps * f.batch_size + 2 * f.bn_images + f.calib_images +
                        z.options.data.val_size + 10000;
  // A gain item is finalize's fine-tune and one validation pass (no test pass).
  const double gain_images = images - 10000;
  return {std::to_string(fin.top_k) + " items + " + std::to_string(fin.gain_items) + " gain items",
          (2 * double(fin.top_k) * images + fin.gain_items * gain_images) * z.big.macs};
}

StageEstimate estimate_report(const DryRunSizes& z) {
  const PipelineOptions& p = z.options.pipeline;
  // The transfer curve: two single predictors per count (the training split always added) and seed.
  const double curve_points = double(p.report.curve_pairs.size() + 1) * p.report.curve_seeds;
  return {si(curve_points) + " curve points x 2 predictors",
          kTrainFactor * 2 * z.predictor_macs * 2 * curve_points * p.collect_quant.samples * p.predictor.quant.max_epochs};
}

std::string dry_run_plan(const RunOptions& o, int ranks) {
  const SearchSpace space(o.space);
  const PipelineOptions& p = o.pipeline;
  const int threads = o.threads > 0 ? o.threads : 1;
  const int workers = ranks * p.runtime.workers_per_rank;
  const int islands = p.search.islands > 0 ? p.search.islands : ranks;
  const NetSize big = size_of(space, space.largest());
  const NetSize small = size_of(space, space.smallest());
  const double mean_macs = (big.macs + small.macs) / 2;

  std::ostringstream out;
  out << std::setprecision(3);
  out << "apq-actors dry run: " << o.config_name << " (valid)\n";
  out << "  run dir " << o.run_dir << ", stage " << o.stage << ", seed " << o.seed << "\n";
  const std::string scenario = scenario_name(o.resolved_config);
  out << "  search scenario " << scenario << " (its results in " << o.run_dir << "/" << scenario_folder(scenario) << "/)\n";
  out << "ranks and roles (" << ranks << " rank(s), " << (o.threads > 0 ? std::to_string(o.threads) : "auto")
      << " thread(s) each):\n";
  out << "  coordinator, dataset writers, predictor trainer: rank 0\n";
  out << "  supernet shards: every rank (" << ranks << ")\n";
  out << "  workers (subnet evaluators, quantization fine-tuners): " << p.runtime.workers_per_rank << " per rank, " << workers
      << " in all\n";
  out << "  evolution islands: " << islands << ", island k on rank k mod " << ranks << "\n";
  out << "search space: " << space.num_stages() << " stages, " << space.num_slots() << " block slots, about 10^"
      << std::setprecision(4) << log10_space(space) << std::setprecision(3) << " (architecture, policy) pairs\n";
  out << "  largest subnet " << si(big.weights) << " weights, " << si(big.macs) << " MACs/image; smallest "
      << si(small.weights) << " weights, " << si(small.macs) << " MACs/image\n";

  const DryRunSizes sizes{o, islands, big, small, mean_macs, predictor_macs(p.predictor.hidden)};
  double total_flop = 0;
  out << "stages:\n";
  for (const Stage& s : pipeline_stages()) {
    const StageEstimate e = s.estimate(sizes);
    total_flop += e.flop;
    out << "  " << std::left << std::setw(14) << s.name << std::right << e.work << ", ~" << si(e.flop) << "FLOP\n";
  }

  const double bytes_weights = big.weights * 4 * 3;  // weights, gradients, momentum
  const double bytes_data = data_bytes_per_rank(o);
  const double bytes_acts = double(p.train.batch_size) / p.train.micro_batches * big.largest_activation * 4 * 3 * 2 * space.num_slots();
  out << "memory per rank: ~" << si(bytes_weights + bytes_data + bytes_acts + 400e6) << "B (data " << si(bytes_data)
      << (o.data.stream ? "B streamed" : "B") << ", supernet state " << si(bytes_weights) << "B, activations " << si(bytes_acts) << "B, runtime ~400MB)\n";
  const double node_bytes = double(sysconf(_SC_PHYS_PAGES)) * double(sysconf(_SC_PAGE_SIZE));
  if (bytes_weights + bytes_data + bytes_acts > node_bytes / std::max(1, ranks))
    out << "  warning: more than this node's memory per rank (" << si(node_bytes) << "B in all)"
        << (o.data.stream ? "" : "; data.stream = true (hdf5 sets) leaves the images on disk") << "\n";
  const double seconds = total_flop / (kFlopsPerThread * threads * ranks);
  out << "estimated compute: " << si(total_flop) << "FLOP, about " << std::setprecision(2) << seconds / 60 << " min on "
      << ranks << " rank(s) x " << threads << " thread(s) at an assumed " << si(kFlopsPerThread)
      << "FLOP/s per thread (a rough guide; see docs/CONFIGS.md)\n";
  return out.str();
}

}  // namespace apq
