#include "launch/workbench.hpp"

#include <chrono>
#include <sstream>
#include <stdexcept>

#include "io/checkpoint_store.hpp"
#include "kernels/quant_jobs.hpp"

namespace apq {

SupernetHandle Workbench::supernet() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!net_.valid()) {
    const std::string path = ctx_.file("supernet.h5");
    const auto checkpoint = load_checkpoint(path, ctx_.meta);
    if (!checkpoint) throw std::runtime_error(path + ": no supernet yet (run the train stage first)");
    if (!checkpoint->completed) throw std::runtime_error(path + ": supernet training is not finished (rerun the train stage)");
    net_ = load_supernet(ctx_.options.space, checkpoint->weights);
  }
  return net_;
}

actors::WorkResult Workbench::run(const actors::WorkItem& item) {
  const auto start = std::chrono::steady_clock::now();
  const SupernetHandle net = supernet();
  actors::WorkResult result;
  if (item.task == task::collect_fp) result = collect_fp(item, net);
  else if (item.task == task::collect_quant) result = collect_quant(item, net);
  else if (item.task == task::finalize) result = finalize(item, net);
  else throw std::invalid_argument("unknown work item task '" + item.task + "'");
  result.values.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return result;
}

actors::WorkResult Workbench::collect_fp(const actors::WorkItem& item, const SupernetHandle& net) {
  const Arch arch = parse_arch(*ctx_.space, item.arch);
  const SubnetScore score = score_subnet(net, arch, ctx_.data.train, ctx_.data.val, ctx_.pipeline().collect_fp.eval, item.seed);
  actors::WorkResult r;
  r.values = {score.top1};
  return r;
}

actors::WorkResult Workbench::collect_quant(const actors::WorkItem& item, const SupernetHandle& net) {
  const Arch arch = parse_arch(*ctx_.space, item.arch);
  const Policy policy = parse_policy(*ctx_.space, arch, item.policy);
  const QuantJobConfig& job = ctx_.pipeline().collect_quant.job;
  const QuantScore quant = score_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val, job, item.seed);
  EvalOptions fp_eval;
  fp_eval.calib_images = job.bn_images;
  fp_eval.eval_images = job.eval_images;
  const SubnetScore fp = score_subnet(net, arch, ctx_.data.train, ctx_.data.val, fp_eval, item.seed);
  actors::WorkResult r;
  r.values = {quant.top1, fp.top1};
  return r;
}

actors::WorkResult Workbench::finalize(const actors::WorkItem& item, const SupernetHandle& net) {
  const Arch arch = parse_arch(*ctx_.space, item.arch);
  const Policy policy = parse_policy(*ctx_.space, arch, item.policy);
  const FinalQuantScore score = finalize_quantized(net, arch, policy, ctx_.data.train, ctx_.data.val, ctx_.data.test,
                                                   ctx_.pipeline().finalize.job, item.seed);
  actors::WorkResult r;
  r.values = {score.val.top1, score.test.top1};
  pack_arrays(score.weights, r.text, r.values);
  return r;
}

void pack_arrays(const NamedArrays& arrays, std::string& text, std::vector<double>& values) {
  std::ostringstream index;
  for (const auto& a : arrays) {
    index << a.name;
    for (auto d : a.shape) index << ' ' << d;
    index << '\n';
    values.insert(values.end(), a.values.begin(), a.values.end());
  }
  text = index.str();
}

NamedArrays unpack_arrays(const std::string& text, const std::vector<double>& values, std::size_t first, std::size_t end) {
  NamedArrays arrays;
  std::istringstream index(text);
  std::size_t at = first;
  for (std::string line; std::getline(index, line);) {
    std::istringstream fields(line);
    NamedArray a;
    fields >> a.name;
    std::int64_t count = 1;
    for (std::int64_t d; fields >> d;) a.shape.push_back(d), count *= d;
    if (at + static_cast<std::size_t>(count) > end) throw std::runtime_error("packed arrays: " + a.name + " runs past the values");
    a.values.assign(values.begin() + static_cast<long>(at), values.begin() + static_cast<long>(at + count));
    at += static_cast<std::size_t>(count);
    arrays.push_back(std::move(a));
  }
  if (at != end) throw std::runtime_error("packed arrays: " + std::to_string(end - at) + " values left over");
  return arrays;
}

}  // namespace apq
