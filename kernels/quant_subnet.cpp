#include "kernels/quant_subnet.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <stdexcept>
#include <string>

#include "base/rng.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/folded_quant_subnet.hpp"
#include "kernels/model_state.hpp"
#include "kernels/nesterov_sgd.hpp"
#include "kernels/quant_jobs.hpp"
#include "kernels/subnet_forward.hpp"
#include "kernels/supernet.hpp"

namespace apq {
namespace {

constexpr double kPi = 3.14159265358979323846;

torch::nn::BatchNorm2d copy_bn(const torch::nn::BatchNorm2d& bn) {
  return torch::nn::BatchNorm2d(std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(bn->clone()));
}

void run_in_batches(const ForwardFn& forward, const torch::Tensor& images, int64_t batch) {
  for (int64_t begin = 0; begin < images.size(0); begin += batch)
    forward(images.slice(0, begin, std::min<int64_t>(begin + batch, images.size(0))));
}

}  // namespace

QuantSubnet::QuantSubnet(const StaticSubnet& source, const SearchSpace& space, const Policy& policy,
                         WeightGranularity g)
    : policy_(policy) {
  space.check(source.arch(), policy);
  constexpr int f = 8;  // fixed layers
  const auto U = ActKind::unsigned_clip, S = ActKind::signed_clip;
  stem_conv = register_module("stem_conv", QConv2d(source.stem_conv, f, f, S, g));
  stem_bn = register_module("stem_bn", copy_bn(source.stem_bn));
  first_dw = register_module("first_dw", QConv2d(source.first_dw, f, f, U, g));
  first_dw_bn = register_module("first_dw_bn", copy_bn(source.first_dw_bn));
  first_pw = register_module("first_pw", QConv2d(source.first_pw, f, f, U, g));
  first_pw_bn = register_module("first_pw_bn", copy_bn(source.first_pw_bn));
  auto list = register_module("blocks", torch::nn::ModuleList());
  for (const StaticBlock& s : source.blocks) {
    const BlockBits& bits = policy.blocks[s.slot];
    QuantBlock b;
    b.residual = s.residual;
    auto holder = std::make_shared<torch::nn::Module>();
    b.expand = holder->register_module("expand", QConv2d(s.expand, bits.pw_w, bits.pw_a, S, g));
    b.expand_bn = holder->register_module("expand_bn", copy_bn(s.expand_bn));
    b.dw = holder->register_module("dw", QConv2d(s.dw, bits.dw_w, bits.dw_a, U, g));
    b.dw_bn = holder->register_module("dw_bn", copy_bn(s.dw_bn));
    b.project = holder->register_module("project", QConv2d(s.project, bits.pw_w, bits.pw_a, U, g));
    b.project_bn = holder->register_module("project_bn", copy_bn(s.project_bn));
    list->push_back(holder);
    blocks.push_back(std::move(b));
  }
  head_conv = register_module("head_conv", QConv2d(source.head_conv, f, f, S, g));
  head_bn = register_module("head_bn", copy_bn(source.head_bn));
  classifier = register_module("classifier", QLinear(source.classifier, f, f, U, g));
  if (!source.is_training()) eval();
}

torch::Tensor QuantSubnet::forward(torch::Tensor x) { return subnet_forward(*this, std::move(x)); }

FinetuneStats finetune(torch::nn::Module& module, const ForwardFn& forward, const ImageTensors& data,
                       const FinetuneConfig& config, std::uint64_t seed) {
  if (config.steps < 0 || config.batch_size < 1 || !(config.lr >= 0))
    throw std::invalid_argument("fine-tune: steps must be >= 0, batch size >= 1 and lr >= 0");
  if (data.size() < config.batch_size)
    throw std::invalid_argument("fine-tune: " + std::to_string(data.size()) + " images, fewer than one batch of " +
                                std::to_string(config.batch_size));
  std::vector<std::string> names;
  std::vector<torch::Tensor> params;
  std::vector<bool> decay;
  for (const auto& item : module.named_parameters()) {
    names.push_back(item.key());
    params.push_back(item.value());
    decay.push_back(item.value().dim() >= 2);  // conv and linear weights; not BN, biases, alphas
  }
  NesterovSgd optimizer(names, params, decay, config.momentum, config.weight_decay);
  BatchPlan plan(data.size(), config.batch_size, seed);
  Augmentation augmentation;
  augmentation.enabled = config.augment;

  FinetuneStats stats;
  module.train();
  const auto start = std::chrono::steady_clock::now();
  for (int step = 0; step < config.steps; ++step) {
    const double lr = 0.5 * config.lr * (1.0 + std::cos(kPi * step / config.steps));
    const Batch batch = gather_batch(data, plan.batch_indices(step), IndexRange{0, config.batch_size}, augmentation,
                                     seed, step);
    module.zero_grad();
    const torch::Tensor loss = torch::cross_entropy_loss(forward(batch.images), batch.labels);
    stats.last_loss = loss.item<double>();
    if (!std::isfinite(stats.last_loss))
      throw std::runtime_error("fine-tune: loss is not finite at step " + std::to_string(step));
    loss.backward();
    std::vector<torch::Tensor> grads;
    for (const torch::Tensor& p : params) grads.push_back(p.grad().defined() ? p.grad() : torch::zeros_like(p));
    optimizer.step(grads, lr);
    stats.images += config.batch_size;
    ++stats.steps;
  }
  stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  stats.images_per_second = stats.seconds > 0 ? stats.images / stats.seconds : 0.0;
  module.eval();
  return stats;
}

QuantEvalResult quantize_and_evaluate(const StaticSubnet& source, const SearchSpace& space, const Policy& policy,
                                      const ImageSet& train, const ImageSet& val, Normalisation norm,
                                      const QuantEvalConfig& config, std::uint64_t seed, const ImageSet* test,
                                      bool keep_weights, PreparedImages* images) {
  PreparedImages for_this_call;
  PreparedImages& prepared = images ? *images : for_this_call;
  if (config.calib_images < 1 || config.calib_batch < 1 || config.bn_images < 0)
    throw std::invalid_argument("quantized evaluation: calib_images and calib_batch must be at least 1");
  // Owned by a shared_ptr: module traversals (BN calibration) need shared_from_this.
  const auto owned = std::make_shared<QuantSubnet>(source, space, policy, config.granularity);
  QuantSubnet& net = *owned;
  const ForwardFn forward = [&](const torch::Tensor& x) { return net.forward(x); };

  torch::Tensor bn_images;
  if (config.bn_images > 0) {
    bn_images = prepared.sample(train, config.bn_images, derive_seed(seed, stream_tag("quant-bn"), 0), norm)->images;
    set_act_mode(net, ActQuantizerImpl::Mode::passthrough);
    calibrate_batch_norm(net, forward, bn_images, config.calib_batch);
  }
  const torch::Tensor range_images =
      prepared.sample(train, config.calib_images, derive_seed(seed, stream_tag("quant-range"), 0), norm)->images;
  net.eval();
  calibrate_activation_ranges(net, [&] { run_in_batches(forward, range_images, config.calib_batch); });

  QuantEvalResult result;
  if (config.finetune.steps > 0) {
    const int wanted = config.finetune_images > 0 ? config.finetune_images : config.finetune.steps * config.finetune.batch_size;
    // Left where they are: a streamed set's fine-tune images can be many.
    const auto data = prepared.sample(train, std::min(wanted, train.count),
                                      derive_seed(seed, stream_tag("quant-finetune"), 0), norm, /*view=*/true);
    result.finetune = finetune(net, forward, *data, config.finetune, derive_seed(seed, stream_tag("quant-batches"), 0));
    if (bn_images.defined()) calibrate_batch_norm(net, forward, bn_images, config.calib_batch);
  }
  const FoldedQuantSubnet folded(net);
  const ForwardFn folded_forward = [&](const torch::Tensor& x) { return folded.forward(x); };
  result.score = evaluate(net, folded_forward, *prepared.whole(val, norm), config.eval_batch, config.eval_images);
  if (test) result.test_score = evaluate(net, folded_forward, *prepared.whole(*test, norm), config.eval_batch, 0);
  if (keep_weights) append_module_state(net, "", result.weights);
  return result;
}

// The facade of kernels/quant_jobs.hpp (here rather than in its own file: one LibTorch
// translation unit less to compile).
namespace {

QuantEvalConfig eval_config(const QuantJobConfig& c) {
  QuantEvalConfig config;
  config.bn_images = c.bn_images;
  config.calib_images = c.calib_images;
  config.calib_batch = c.calib_batch;
  config.finetune.steps = c.finetune_steps;
  config.finetune.batch_size = c.batch_size;
  config.finetune.lr = c.lr;
  config.finetune.momentum = c.momentum;
  config.finetune.weight_decay = c.weight_decay;
  config.finetune.augment = c.augment;
  config.finetune_images = c.finetune_images;
  config.eval_batch = c.eval_batch;
  config.eval_images = c.eval_images;
  config.granularity = c.per_tensor_weights ? WeightGranularity::per_tensor : WeightGranularity::per_channel;
  return config;
}

QuantEvalResult run_quantized(const SupernetHandle& net, const Arch& arch, const Policy& policy, const ImageSet& train,
                              const ImageSet& val, const QuantJobConfig& c, std::uint64_t seed, const ImageSet* test,
                              bool keep_weights, PreparedImages* images) {
  SupernetState& state = net.state();
  state.net->space().check(arch, policy);
  const auto subnet = extract_subnet(*state.net, arch);
  return quantize_and_evaluate(*subnet, state.net->space(), policy, train, val, Normalisation{state.mean, state.stddev},
                               eval_config(c), seed, test, keep_weights, images);
}

QuantScore to_score(const SubnetScore& s, const FinetuneStats& f) {
  QuantScore score;
  static_cast<EvalScore&>(score) = s;
  score.finetune_images_per_second = f.images_per_second;
  return score;
}

}  // namespace

QuantScore score_quantized(const SupernetHandle& net, const Arch& arch, const Policy& policy, const ImageSet& train,
                           const ImageSet& val, const QuantJobConfig& c, std::uint64_t seed, PreparedImages* images) {
  const QuantEvalResult r = run_quantized(net, arch, policy, train, val, c, seed, nullptr, false, images);
  return to_score(r.score, r.finetune);
}

FinalQuantScore finalize_quantized(const SupernetHandle& net, const Arch& arch, const Policy& policy,
                                   const ImageSet& train, const ImageSet& val, const ImageSet& test,
                                   const QuantJobConfig& c, std::uint64_t seed, PreparedImages* images) {
  QuantEvalResult r = run_quantized(net, arch, policy, train, val, c, seed, &test, true, images);
  FinalQuantScore out;
  out.val = to_score(r.score, r.finetune);
  out.test = to_score(r.test_score, r.finetune);
  out.weights = std::move(r.weights);
  out.input_mean = static_cast<float>(net.state().mean);
  out.input_stddev = static_cast<float>(net.state().stddev);
  return out;
}

}  // namespace apq
