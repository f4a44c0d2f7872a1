#include "kernels/supernet_jobs.hpp"

#include <stdexcept>

#include "kernels/bn_calibration.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/folded_subnet.hpp"
#include "kernels/model_state.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"
#include "kernels/supernet_training.hpp"

namespace apq {

const SearchSpace& SupernetHandle::space() const { return state().net->space(); }

SupernetState& SupernetHandle::state() const {
  if (!state_) throw std::logic_error("supernet handle is empty");
  return *state_;
}

SupernetHandle create_supernet(const SpaceSpec& spec, std::uint64_t seed) {
  return SupernetHandle(std::make_shared<SupernetState>(SearchSpace(spec), seed));
}

NamedArrays supernet_weights(const SupernetHandle& net) {
  NamedArrays out;
  append_module_state(*net.state().net, "model/", out);
  out.push_back({"data/normalisation", {2}, {net.state().mean, net.state().stddev}});
  return out;
}

SupernetHandle load_supernet(const SpaceSpec& spec, const NamedArrays& weights) {
  const NamedArray& norm = find_array(weights, "data/normalisation");
  if (norm.values.size() != 2 || !(norm.values[1] > 0.0f))
    throw std::invalid_argument("supernet weights: malformed data/normalisation");
  auto state = std::make_shared<SupernetState>(SearchSpace(spec), 0);
  load_module_state(*state->net, "model/", weights);
  state->mean = norm.values[0];
  state->stddev = norm.values[1];
  return SupernetHandle(state);
}

// ---------------------------------------------------------------- Trainer

Trainer::Trainer(const SpaceSpec& spec, const TrainConfig& config, const ImageSet& train, int rank, int world,
                 AllReduceSum allreduce)
    : impl_(std::make_unique<SupernetTrainer>(spec, config, train, rank, world, std::move(allreduce))) {}
Trainer::~Trainer() = default;

std::int64_t Trainer::step() const { return impl_->step(); }
std::int64_t Trainer::total_steps() const { return impl_->total_steps(); }
int Trainer::phase() const { return impl_->phase_of(impl_->step()); }
bool Trainer::done() const { return impl_->done(); }
TrainProgress Trainer::train_step() { return impl_->train_step(); }
NamedArrays Trainer::checkpoint() const { return impl_->checkpoint(); }
void Trainer::restore(const NamedArrays& checkpoint) { impl_->restore(checkpoint); }
SupernetCheckpoint Trainer::checkpoint_record() const {
  SupernetCheckpoint record;
  for (auto& a : checkpoint()) (a.name.rfind("momentum/", 0) == 0 ? record.optimizer : record.weights).push_back(std::move(a));
  record.step = step();
  const int p = phase();
  record.completed = done();
  record.phases_done = 0;
  for (int q = 0; q < kTrainPhases; ++q)
    if (impl_->phase_of(step()) > q) ++record.phases_done;
  record.phase = phase_name(done() ? kTrainPhases - 1 : p);
  record.images_seen = step() * impl_->config().batch_size;
  return record;
}

void Trainer::restore(const SupernetCheckpoint& record) {
  NamedArrays all = record.weights;
  all.insert(all.end(), record.optimizer.begin(), record.optimizer.end());
  restore(all);
}

SupernetHandle Trainer::supernet() const { return SupernetHandle(impl_->state()); }

void Trainer::run(const std::function<void(const TrainProgress&)>& on_progress,
                  const std::function<void(const NamedArrays&)>& on_checkpoint, std::int64_t max_steps,
                  bool progress_every_step) {
  const TrainConfig& config = impl_->config();
  impl_->take_throughput();
  for (std::int64_t done_here = 0; !done() && (max_steps < 0 || done_here < max_steps); ++done_here) {
    const int phase_before = phase();
    TrainProgress progress = train_step();
    const bool phase_ended = phase() != phase_before;
    const bool report = on_progress && (done() || progress_every_step ||
                                        (config.progress_every > 0 && step() % config.progress_every == 0));
    if (report) {
      const auto [images, seconds] = impl_->take_throughput();
      progress.images_per_second = seconds > 0 ? static_cast<double>(images) / seconds : 0.0;
      on_progress(progress);
    }
    const bool periodic = config.checkpoint_every > 0 && step() % config.checkpoint_every == 0;
    if (on_checkpoint && (phase_ended || periodic)) on_checkpoint(checkpoint());
  }
}

// ---------------------------------------------------------------- evaluation

SubnetScore score_subnet(const SupernetHandle& net, const Arch& arch, const ImageSet& calib, const ImageSet& val,
                         const EvalOptions& options, std::uint64_t seed, PreparedImages* images) {
  PreparedImages for_this_call;
  PreparedImages& prepared = images ? *images : for_this_call;
  SupernetState& state = net.state();
  const Normalisation norm{state.mean, state.stddev};
  auto subnet = extract_subnet(*state.net, arch);
  const ForwardFn forward = [&](const torch::Tensor& x) { return subnet->forward(x); };
  if (options.calib_images > 0) {
    // Only the chosen images are converted (the training split is large).
    const auto chosen = prepared.sample(calib, options.calib_images, seed, norm);
    calibrate_batch_norm(*subnet, forward, chosen->images, options.calib_batch);
  }
  if (options.precision == InferencePrecision::bf16 && !bf16_inference_supported())
    throw std::invalid_argument("bf16 evaluation needs a CPU with AVX512-BF16");
  FoldedSubnet folded(*subnet);  // after calibration: BN folded into the convolutions
  if (options.precision == InferencePrecision::bf16) folded = folded.to(torch::kBFloat16);
  return evaluate(*subnet, [&](const torch::Tensor& x) { return folded.forward(x); }, *prepared.whole(val, norm),
                  options.eval_batch, options.eval_images);
}

double evaluate_subnet(const SupernetHandle& net, const Arch& arch, const ImageSet& calib, int calib_images,
                       const ImageSet& val, std::uint64_t seed) {
  EvalOptions options;
  options.calib_images = calib_images;
  return score_subnet(net, arch, calib, val, options, seed).top1;
}

}  // namespace apq
