// Stage 1: the once-for-all supernet, trained data parallel on every rank with progressive
// shrinking. Every rank holds a replica and works on its micro-batches of each global batch;
// gradients are summed over MPI in the trainer's few flat buckets. Rank 0 writes supernet.h5.
#include <chrono>
#include <climits>
#include <iomanip>
#include <iostream>
#include <sstream>

#include "actors/progress.hpp"
#include "io/checkpoint_store.hpp"
#include "kernels/supernet_jobs.hpp"
#include "pipeline/stages.hpp"

namespace apq {
namespace {

constexpr const char* kOptimizerPrefix = "momentum/";

SupernetCheckpoint to_checkpoint(const NamedArrays& arrays, const Trainer& trainer, int batch_size) {
  SupernetCheckpoint c;
  for (const auto& a : arrays) (a.name.rfind(kOptimizerPrefix, 0) == 0 ? c.optimizer : c.weights).push_back(a);
  c.step = trainer.step();
  c.phases_done = trainer.phase();
  c.phase = phase_name(std::min(trainer.phase(), kTrainPhases - 1));
  c.completed = trainer.done();
  c.images_seen = trainer.step() * batch_size;
  return c;
}

NamedArrays from_checkpoint(const SupernetCheckpoint& c) {
  NamedArrays all = c.weights;
  all.insert(all.end(), c.optimizer.begin(), c.optimizer.end());
  return all;
}

AllReduceSum mpi_allreduce(MPI_Comm comm) {
  return [comm](float* data, std::size_t count) {
    for (std::size_t done = 0; done < count;) {  // MPI counts are int
      const int n = static_cast<int>(std::min<std::size_t>(count - done, INT_MAX / 2));
      MPI_Allreduce(MPI_IN_PLACE, data + done, n, MPI_FLOAT, MPI_SUM, comm);
      done += static_cast<std::size_t>(n);
    }
  };
}

// The quality of the trained supernet: validation top-1 of its largest and smallest subnets
// (BN re-calibrated as collect-fp does, on the whole validation split). Rank 0 only.
void report_quality(const RunContext& ctx, const NamedArrays& weights) {
  if (!ctx.leader()) return;
  const SupernetHandle net = load_supernet(ctx.options.space, weights);
  EvalOptions eval = ctx.pipeline().collect_fp.eval;
  eval.eval_images = 0;
  eval.precision = InferencePrecision::fp32;  // the supernet's own quality, exactly
  const SearchSpace& space = net.space();
  const std::uint64_t seed = ctx.options.seed;
  PreparedImages images;
  const double largest = score_subnet(net, space.largest(), ctx.data.train, ctx.data.val, eval, seed, &images).top1;
  const double smallest = score_subnet(net, space.smallest(), ctx.data.train, ctx.data.val, eval, seed, &images).top1;
  std::ostringstream line;
  line << std::fixed << std::setprecision(2) << "train: validation top-1 of the largest subnet " << 100 * largest
       << "%, of the smallest " << 100 * smallest << "% (" << ctx.data.val.count << " images, BN re-calibrated on "
       << eval.calib_images << ")";
  say(ctx, line.str());
}

}  // namespace

void train_stage(const RunContext& ctx, StageEnv& env) {
  const MPI_Comm comm = env.train_comm;

  const TrainConfig& config = ctx.pipeline().train;
  const std::string path = ctx.file("supernet.h5");
  const auto saved = load_checkpoint(path, ctx.meta);  // every rank reads the same file
  if (saved && saved->completed) {
    say(ctx, "train: " + path + " is complete (step " + std::to_string(saved->step) + "), skipping");
    report_quality(ctx, saved->weights);
    return;
  }
  const int world = ctx.process.size;
  if (ctx.data.train.streamed())  // a pass over the whole file before the first step
    say(ctx, "train: normalisation statistics from one pass over the " + std::to_string(ctx.data.train.count) +
                 " streamed training images in " + ctx.data.train.source->path());
  Trainer trainer(ctx.options.space, config, ctx.data.train, ctx.process.rank, world,
                  world > 1 ? mpi_allreduce(comm) : AllReduceSum{});
  if (saved) {
    trainer.restore(from_checkpoint(*saved));
    say(ctx, "train: resuming from " + path + " at step " + std::to_string(trainer.step()));
  }
  say(ctx, "train: " + std::to_string(trainer.total_steps()) + " steps, global batch " +
               std::to_string(config.batch_size) + " in " + std::to_string(config.micro_batches) +
               " micro-batches over " + std::to_string(world) + " rank(s)");
  // A line every runtime.progress-seconds (and at least every train.progress-every steps), in
  // the collection stages' form: done/total, rate, ETA (from this run's own pace).
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  auto last_line = start;
  const std::int64_t first_step = trainer.step();
  std::int64_t last_step = first_step;
  const double every_seconds = ctx.pipeline().runtime.progress_seconds;
  const auto on_progress = [&](const TrainProgress& p) {
    const auto now = Clock::now();
    const double since_line = std::chrono::duration<double>(now - last_line).count();
    const bool due = p.step == p.total_steps || since_line >= every_seconds ||
                     (config.progress_every > 0 && p.step - last_step >= config.progress_every);
    if (!due) return;
    const double elapsed = std::chrono::duration<double>(now - start).count();
    const double rate = elapsed > 0 ? static_cast<double>(p.step - first_step) / elapsed : 0.0;
    const double images_per_second =
        since_line > 0 ? static_cast<double>((p.step - last_step) * config.batch_size) / since_line : 0.0;
    std::ostringstream line;
    line << "train: " << p.step << "/" << p.total_steps << " steps (" << std::fixed << std::setprecision(2) << rate
         << "/s, " << (p.step == p.total_steps ? "done in " + actors::format_duration(elapsed)
                                               : "ETA " + actors::format_duration(rate > 0 ? (p.total_steps - p.step) / rate : -1))
         << ") phase " << phase_name(p.phase) << " loss " << std::setprecision(4) << p.loss << " lr "
         << std::setprecision(5) << p.lr << " " << std::setprecision(0) << images_per_second << " img/s";
    say(ctx, line.str());
    last_line = now;
    last_step = p.step;
  };
  const auto on_checkpoint = [&](const NamedArrays& arrays) {
    if (ctx.leader()) save_checkpoint(path, ctx.meta, to_checkpoint(arrays, trainer, config.batch_size));
  };
  trainer.run(on_progress, on_checkpoint, -1, /*progress_every_step=*/true);
  on_checkpoint(trainer.checkpoint());  // the final one, marked completed
  say(ctx, "train: done, " + path + " written");
  report_quality(ctx, trainer.checkpoint_record().weights);
}

}  // namespace apq
