#include "kernels/supernet_training.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "base/rng.hpp"
#include "kernels/model_state.hpp"

namespace apq {
namespace {

constexpr std::int64_t kBucketFloats = 1 << 18;  // ~1 MiB per gradient bucket
namespace F = torch::nn::functional;

[[noreturn]] void bad_config(const std::string& what) { throw std::invalid_argument("train config: " + what); }

TrainConfig checked(TrainConfig c) {
  if (c.phase_steps.size() != kTrainPhases) bad_config("phase_steps needs 4 entries (largest, kernel, depth, width)");
  if (c.phase_lr.size() != kTrainPhases) bad_config("phase_lr needs 4 entries (largest, kernel, depth, width)");
  for (auto s : c.phase_steps)
    if (s < 0) bad_config("phase_steps must not be negative");
  for (double lr : c.phase_lr)
    if (!(lr >= 0.0)) bad_config("phase_lr must not be negative");
  if (c.batch_size <= 0) bad_config("batch_size must be positive");
  if (c.micro_batches <= 0 || c.batch_size % c.micro_batches != 0)
    bad_config("micro_batches (" + std::to_string(c.micro_batches) + ") must divide batch_size (" +
               std::to_string(c.batch_size) + ")");
  if (c.momentum < 0.0 || c.momentum >= 1.0) bad_config("momentum must be in [0, 1)");
  if (c.weight_decay < 0.0) bad_config("weight_decay must not be negative");
  if (c.checkpoint_every < 0 || c.progress_every < 0) bad_config("checkpoint_every and progress_every must not be negative");
  return c;
}

bool decays(const std::string& name, const torch::Tensor& p) {
  return p.dim() >= 2 && name.find("transform") == std::string::npos;
}

}  // namespace

const char* phase_name(int phase) {
  static const char* names[] = {"largest", "kernel", "depth", "width"};
  return phase >= 0 && phase < kTrainPhases ? names[phase] : "done";
}

SupernetTrainer::SupernetTrainer(const SpaceSpec& spec, const TrainConfig& config, const ImageSet& train, int rank,
                                 int world, AllReduceSum allreduce)
    : config_(checked(config)),
      space_(spec),
      rank_(rank),
      world_(world),
      allreduce_(std::move(allreduce)),
      state_(std::make_shared<SupernetState>(space_, derive_seed(config_.seed, stream_tag("init"), 0))),
      plan_(train.count, config_.batch_size, derive_seed(config_.seed, stream_tag("shuffle"), 0)) {
  if (world < 1 || rank < 0 || rank >= world)
    throw std::invalid_argument("trainer: rank " + std::to_string(rank) + " outside a world of " + std::to_string(world));
  if (train.channels != spec.in_channels)
    throw std::invalid_argument("trainer: images have " + std::to_string(train.channels) + " channels, the space expects " +
                                std::to_string(spec.in_channels));
  const NormStats stats = norm_stats(train);
  state_->mean = stats.mean;
  state_->stddev = stats.stddev;
  data_ = to_tensors(train, {stats.mean, stats.stddev});
  phase_start_ = {0};
  for (auto s : config_.phase_steps) phase_start_.push_back(phase_start_.back() + s);

  std::vector<std::string> names;
  std::vector<torch::Tensor> params;
  std::vector<bool> decay;
  for (const auto& item : net().named_parameters()) {
    names.push_back(item.key());
    params.push_back(item.value());
    decay.push_back(decays(item.key(), item.value()));
  }
  sgd_ = std::make_unique<NesterovSgd>(names, params, decay, config_.momentum, config_.weight_decay);
  build_buckets();
}

void SupernetTrainer::build_buckets() {
  const auto& params = sgd_->params();
  grads_.resize(params.size());
  for (std::size_t i = 0; i < params.size();) {
    Bucket b;
    std::int64_t size = 0;
    while (i < params.size() && (b.params.empty() || size + params[i].numel() <= kBucketFloats)) {
      b.params.push_back(i);
      size += params[i++].numel();
    }
    b.flat = torch::zeros({size});
    std::int64_t offset = 0;
    for (std::size_t j : b.params) {
      const auto n = params[j].numel();
      b.views.push_back(b.flat.slice(0, offset, offset + n).view(params[j].sizes()));
      grads_[j] = b.views.back();
      offset += n;
    }
    buckets_.push_back(std::move(b));
  }
  std::int64_t stat_size = 1;  // the loss sum
  for (auto* bn : net().batch_norms()) stat_size += bn->stat_sums().numel();
  stats_ = torch::zeros({stat_size});
}

int SupernetTrainer::phase_of(std::int64_t step) const {
  for (int p = 0; p < kTrainPhases; ++p)
    if (step < phase_start_[p + 1]) return p;
  return kTrainPhases;
}

double SupernetTrainer::lr_at(std::int64_t step) const {
  const int p = phase_of(step);
  if (p >= kTrainPhases) return 0.0;
  const double progress = static_cast<double>(step - phase_start_[p]) / static_cast<double>(config_.phase_steps[p]);
  return config_.phase_lr[p] * 0.5 * (1.0 + std::cos(M_PI * progress));
}

Arch SupernetTrainer::sample_arch(std::int64_t step) const {
  const int phase = phase_of(step);
  Arch arch = space_.largest();
  if (phase == static_cast<int>(TrainPhase::kLargest) || phase >= kTrainPhases) return arch;
  Rng rng(derive_seed(config_.seed, stream_tag("train"), static_cast<std::uint64_t>(step)));
  const auto& spec = space_.spec();
  // Draw every dimension always (fixed consumption of the stream), keep the opened ones.
  for (int s = 0; s < space_.num_stages(); ++s) {
    const auto& depths = spec.stages[s].depths;
    const int d = depths[rng.below(static_cast<int>(depths.size()))];
    if (phase >= static_cast<int>(TrainPhase::kDepth)) arch.depth[s] = d;
  }
  for (int i = 0; i < space_.num_slots(); ++i) {
    const int k = spec.kernels[rng.below(static_cast<int>(spec.kernels.size()))];
    const auto& mids = space_.slots()[i].mid_choices;
    const int m = mids[rng.below(static_cast<int>(mids.size()))];
    arch.kernel[i] = k;  // phase >= kKernel here
    if (phase >= static_cast<int>(TrainPhase::kWidth)) arch.mid[i] = m;
  }
  return space_.canonical(arch);
}

Arch SupernetTrainer::smallest_opened(std::int64_t step) const {
  const int phase = phase_of(step);
  Arch arch = space_.largest();
  if (phase == static_cast<int>(TrainPhase::kLargest) || phase >= kTrainPhases) return arch;
  // Per slot, not copied from space_.smallest(): its slots past the smallest depth are inactive.
  const auto& kernels = space_.spec().kernels;
  for (int i = 0; i < space_.num_slots(); ++i) {
    arch.kernel[i] = *std::min_element(kernels.begin(), kernels.end());
    const auto& mids = space_.slots()[i].mid_choices;
    if (phase >= static_cast<int>(TrainPhase::kWidth)) arch.mid[i] = *std::min_element(mids.begin(), mids.end());
  }
  if (phase >= static_cast<int>(TrainPhase::kDepth)) arch.depth = space_.smallest().depth;
  return space_.canonical(arch);
}

void SupernetTrainer::sort_channels_for_width_phase() {
  for (const auto& perm : net().sort_channels_by_importance()) sgd_->permute_state(perm.param, perm.dim, perm.index);
}

TrainProgress SupernetTrainer::train_step() {
  if (done()) throw std::logic_error("trainer: training is already complete");
  const auto t0 = std::chrono::steady_clock::now();
  const int phase = phase_of(step_);
  if (phase == static_cast<int>(TrainPhase::kWidth) && step_ == phase_start_[phase]) sort_channels_for_width_phase();
  const Arch arch = sample_arch(step_);
  const Arch largest = space_.largest();
  const bool with_largest = phase > 0 && (config_.train_largest || config_.distill);
  const Arch smallest = smallest_opened(step_);
  const bool with_smallest = phase > 0 && config_.train_smallest && !(smallest == arch);
  const auto indices = plan_.batch_indices(step_);
  const Augmentation augmentation{config_.augment, 2, true};
  Supernet& model = net();
  model.train();
  double loss_sum = 0.0;
  std::int64_t images = 0;
  for (int m = rank_; m < config_.micro_batches; m += world_) {
    const IndexRange range = equal_part(config_.batch_size, config_.micro_batches, m);
    const Batch batch = gather_batch(data_, indices, range, augmentation, config_.seed, step_);
    torch::Tensor soft;
    if (with_largest) {
      model.set_active(largest);
      model.set_track_stats(true);
      if (config_.train_largest) {
        const auto logits = model.forward(batch.images);
        F::cross_entropy(logits, batch.labels).backward();
        if (config_.distill) soft = torch::softmax(logits.detach(), 1);
      } else {
        torch::NoGradGuard no_grad;
        soft = torch::softmax(model.forward(batch.images), 1);
      }
      model.set_track_stats(false);
    }
    // The student loss: hard labels plus, when the largest ran, its soft targets.
    auto student_loss = [&](const torch::Tensor& logits) {
      auto loss = F::cross_entropy(logits, batch.labels);
      if (soft.defined())
        loss = loss + config_.distill_weight *
                          F::kl_div(torch::log_softmax(logits, 1), soft, F::KLDivFuncOptions().reduction(torch::kBatchMean));
      return loss;
    };
    if (with_smallest) {
      model.set_active(smallest);
      model.set_track_stats(false);
      student_loss(model.forward(batch.images)).backward();
    }
    model.set_active(arch);
    model.set_track_stats(!with_largest);
    auto loss = student_loss(model.forward(batch.images));
    loss.backward();
    loss_sum += loss.item<double>();
    images += range.size();
  }
  model.set_track_stats(false);
  model.set_active(with_largest ? largest : arch);  // whose BN statistics were gathered
  const double loss = reduce(loss_sum);
  if (!std::isfinite(loss))
    throw std::runtime_error("supernet training: loss is " + std::to_string(loss) + " at step " + std::to_string(step_) +
                             " (phase " + phase_name(phase) + "); lower the learning rate or check the data");
  for (auto* bn : model.batch_norms()) bn->apply_running_update(config_.micro_batches);
  const double lr = lr_at(step_);
  sgd_->step(grads_, lr);
  for (auto& p : sgd_->params()) p.mutable_grad() = torch::Tensor();
  model.set_active(arch);
  ++step_;
  images_since_ += images;
  seconds_since_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  TrainProgress progress;
  progress.step = step_;
  progress.total_steps = total_steps();
  progress.phase = phase;
  progress.loss = loss;
  progress.lr = lr;
  progress.arch = to_string(space_, arch);
  return progress;
}

double SupernetTrainer::reduce(double local_loss_sum) {
  torch::NoGradGuard no_grad;
  const auto& params = sgd_->params();
  const float inv = 1.0f / static_cast<float>(config_.micro_batches);
  for (auto& b : buckets_) {
    for (std::size_t j = 0; j < b.params.size(); ++j) {
      const auto& g = params[b.params[j]].grad();
      if (g.defined()) b.views[j].copy_(g);
      else b.views[j].zero_();
    }
    if (allreduce_) allreduce_(b.flat.data_ptr<float>(), static_cast<std::size_t>(b.flat.numel()));
    b.flat.mul_(inv);
  }
  std::int64_t offset = 0;
  for (auto* bn : net().batch_norms()) {
    const auto n = bn->stat_sums().numel();
    stats_.slice(0, offset, offset + n).copy_(bn->stat_sums());
    offset += n;
  }
  stats_[offset] = static_cast<float>(local_loss_sum);
  if (allreduce_) allreduce_(stats_.data_ptr<float>(), static_cast<std::size_t>(stats_.numel()));
  offset = 0;
  for (auto* bn : net().batch_norms()) {
    const auto n = bn->stat_sums().numel();
    bn->stat_sums().copy_(stats_.slice(0, offset, offset + n));
    offset += n;
  }
  return stats_[offset].item<double>() / config_.micro_batches;
}

std::pair<std::int64_t, double> SupernetTrainer::take_throughput() {
  std::pair<std::int64_t, double> out{images_since_, seconds_since_};
  images_since_ = 0;
  seconds_since_ = 0.0;
  return out;
}

std::vector<double> SupernetTrainer::fingerprint() const {
  std::vector<double> f(config_.phase_steps.begin(), config_.phase_steps.end());
  f.push_back(config_.batch_size);
  f.push_back(config_.micro_batches);
  for (int shift = 0; shift < 64; shift += 16) f.push_back(static_cast<double>((config_.seed >> shift) & 0xFFFF));
  f.push_back(space_.num_slots());
  return f;
}

NamedArrays SupernetTrainer::checkpoint() const {
  NamedArrays out;
  append_module_state(*state_->net, "model/", out);
  append_optimizer_state(*sgd_, "momentum/", out);
  const std::vector<double> fp = fingerprint();
  out.push_back({"trainer/fingerprint", {static_cast<std::int64_t>(fp.size())}, std::vector<float>(fp.begin(), fp.end())});
  out.push_back({"trainer/step", {2}, {static_cast<float>(step_ >> 20), static_cast<float>(step_ & 0xFFFFF)}});
  out.push_back({"trainer/phase", {}, {static_cast<float>(phase_of(step_))}});
  out.push_back({"data/normalisation", {2}, {state_->mean, state_->stddev}});
  return out;
}

void SupernetTrainer::restore(const NamedArrays& checkpoint) {
  const std::vector<double> fp = fingerprint();
  const NamedArray& saved = find_array(checkpoint, "trainer/fingerprint");
  if (saved.values != std::vector<float>(fp.begin(), fp.end()))
    throw std::invalid_argument(
        "checkpoint: written with a different training config (phase steps, batch size, micro-batches, seed or space)");
  const NamedArray& step = find_array(checkpoint, "trainer/step");
  const NamedArray& norm = find_array(checkpoint, "data/normalisation");
  if (step.values.size() != 2 || norm.values.size() != 2) throw std::invalid_argument("checkpoint: malformed trainer state");
  if (std::abs(norm.values[0] - state_->mean) > 1e-6f || std::abs(norm.values[1] - state_->stddev) > 1e-6f)
    throw std::invalid_argument("checkpoint: written for different training data (normalisation differs)");
  for (const auto& name : sgd_->names()) find_array(checkpoint, "momentum/" + name);  // all present before any change
  load_module_state(*state_->net, "model/", checkpoint);
  load_optimizer_state(*sgd_, "momentum/", checkpoint);
  step_ = (static_cast<std::int64_t>(step.values[0]) << 20) + static_cast<std::int64_t>(step.values[1]);
}

}  // namespace apq
