#include "pipeline/workbench.hpp"

#include <chrono>
#include <stdexcept>

#include "actors/worker.hpp"
#include "base/rng.hpp"
#include "io/checkpoint_store.hpp"
#include "kernels/quant_jobs.hpp"
#include "pipeline/task_payloads.hpp"

namespace apq {

SupernetHandle Workbench::supernet() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!net_.valid()) {
    // Every item needs it: a missing, foreign, unfinished or mismatched supernet is no item's
    // fault and no retry fixes it, so it stops the stage instead of failing items.
    const std::string path = ctx_.file("supernet.h5");
    try {
      const auto checkpoint = load_checkpoint(path, ctx_.meta);
      if (!checkpoint) throw std::runtime_error(path + ": no supernet yet (run the train stage first)");
      if (!checkpoint->completed)
        throw std::runtime_error(path + ": supernet training is not finished (rerun the train stage)");
      net_ = load_supernet(ctx_.options.space, checkpoint->weights);
    } catch (const std::exception& e) {
      const std::string what = e.what();
      throw actors::FatalWorkError(what.rfind(path, 0) == 0 ? what : path + ": " + what);
    }
  }
  return net_;
}

std::uint64_t label_seed(const RunContext& ctx) { return derive_seed(ctx.options.seed, stream_tag("labels"), 0); }

actors::WorkResult Workbench::run(const actors::WorkItem& item) {
  const auto start = std::chrono::steady_clock::now();
  const SupernetHandle net = supernet();
  actors::WorkResult result;
  if (item.task == task::collect_fp) result = collect_fp(item, net);
  else if (item.task == task::collect_quant) result = collect_quant(item, net);
  else if (item.task == task::finalize) result = finalize(item, net);
  else if (item.task == task::finalize_gain) result = finalize_gain(item, net);
  else throw std::invalid_argument("unknown work item task '" + item.task + "'");
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return result;
}

actors::WorkResult Workbench::collect_fp(const actors::WorkItem& item, const SupernetHandle& net) {
  const Arch arch = actors::read_payload<SubnetTask>(item.input).arch;
  ctx_.space->check(arch);
  FpAnswer answer;
  answer.score = score_subnet(net, arch, ctx_.data.train, ctx_.data.val, ctx_.pipeline().collect_fp.eval, label_seed(ctx_),
                              &images_);
  actors::WorkResult r;
  r.answer = actors::make_payload(answer);
  return r;
}

actors::WorkResult Workbench::collect_quant(const actors::WorkItem& item, const SupernetHandle& net) {
  const auto [arch, policy] = actors::read_payload<QuantizedSubnetTask>(item.input);
  ctx_.space->check(arch, policy);
  const QuantJobConfig& job = ctx_.pipeline().collect_quant.job;
  QuantAnswer answer;
  answer.quant = score_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val, job, label_seed(ctx_), &images_);
  if (ctx_.pipeline().collect_quant.fp_accuracy) {  // else answer.fp.images stays 0: not measured
    EvalOptions fp_eval;
    fp_eval.calib_images = job.bn_images;
    fp_eval.eval_images = job.eval_images;
    answer.fp = score_subnet(net, arch, ctx_.data.train, ctx_.data.val, fp_eval, label_seed(ctx_), &images_);
  }
  actors::WorkResult r;
  r.answer = actors::make_payload(answer);
  return r;
}

actors::WorkResult Workbench::finalize(const actors::WorkItem& item, const SupernetHandle& net) {
  const auto [arch, policy] = actors::read_payload<QuantizedSubnetTask>(item.input);
  ctx_.space->check(arch, policy);
  FinalQuantScore score = finalize_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val, ctx_.data.test,
                                             ctx_.pipeline().finalize.job, item.seed, &images_);
  FinalAnswer answer;
  answer.val = score.val;
  answer.test = score.test;
  // The predictor learned collect-quant's shorter recipe: measured that way too, the network
  // tells the predictor's error apart from what finalize's longer fine-tune adds.
  answer.label_recipe = score_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val,
                                        ctx_.pipeline().collect_quant.job, label_seed(ctx_), &images_);
  answer.weights = std::move(score.weights);
  answer.input_mean = score.input_mean;
  answer.input_stddev = score.input_stddev;
  actors::WorkResult r;
  r.answer = actors::make_payload(answer);
  return r;
}

actors::WorkResult Workbench::finalize_gain(const actors::WorkItem& item, const SupernetHandle& net) {
  const auto [arch, policy] = actors::read_payload<QuantizedSubnetTask>(item.input);
  ctx_.space->check(arch, policy);
  // Finalize's recipe on validation, seeded per item as finalize seeds its networks; the
  // unquantized score is not needed here (it stays empty: images = 0).
  QuantAnswer answer;
  answer.quant = score_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val, ctx_.pipeline().finalize.job,
                                 item.seed, &images_);
  actors::WorkResult r;
  r.answer = actors::make_payload(answer);
  return r;
}

}  // namespace apq
