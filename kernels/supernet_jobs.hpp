// Torch-free facade of the supernet for actors/ and pipeline/: training with progressive
// shrinking (data parallel through an all-reduce hook), checkpoints as NamedArrays, BN
// re-calibration and evaluation of subnets. See docs/SUPERNET.md.
#pragma once
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "base/checkpoint.hpp"
#include "base/eval_score.hpp"
#include "base/image_set.hpp"
#include "base/named_arrays.hpp"
#include "kernels/inference_precision.hpp"
#include "kernels/prepared_images.hpp"
#include "kernels/search_space.hpp"

namespace apq {

// Progressive shrinking phases, in order. Each samples subnets from the space opened so far.
enum class TrainPhase { kLargest = 0, kKernel = 1, kDepth = 2, kWidth = 3 };
constexpr int kTrainPhases = 4;
const char* phase_name(int phase);  // "largest", "kernel", "depth", "width"

struct TrainConfig {
  std::vector<std::int64_t> phase_steps{2000, 1000, 1000, 1000};  // per phase; 0 skips it
  std::vector<double> phase_lr{0.1, 0.03, 0.03, 0.03};            // peak of each phase's cosine
  int batch_size = 128;      // global batch, over all ranks
  int micro_batches = 2;     // fixed split of the global batch (BN statistics per micro-batch)
  double momentum = 0.9;     // Nesterov
  double weight_decay = 4e-5;  // conv and classifier weights only (not BN, biases, kernel transforms)
  // From phase "kernel" on, each step also trains the largest subnet on the same micro-batch
  // (hard labels) and, when distill is on, the sampled subnet learns its soft targets too:
  // loss = CE + distill_weight * KL(softmax(largest) || softmax(sampled)).
  bool train_largest = true;
  // Sandwich rule: from phase "kernel" on, each micro-batch also trains the smallest subnet of
  // the choices opened so far (distilled like the sampled one). The smallest subnet is otherwise
  // drawn rarely and ends up the least trained; this costs one small forward/backward per step.
  bool train_smallest = false;
  bool distill = true;
  double distill_weight = 1.0;
  bool augment = true;       // random crop (padding 2) + horizontal flip
  std::uint64_t seed = 1;    // weights init, shuffles, augmentation, subnet sampling
  std::int64_t checkpoint_every = 0;  // steps; checkpoints are also taken after each phase
  std::int64_t progress_every = 50;   // steps between progress reports
};

struct TrainProgress {
  std::int64_t step = 0, total_steps = 0;  // step = steps completed
  int phase = 0;
  double loss = 0.0;                // mean over the step's micro-batches (of the sampled subnet)
  double lr = 0.0;
  double images_per_second = 0.0;   // this rank's images (student forwards) over the report interval
  std::string arch;                 // the subnet sampled at the last step
};

// Sums `count` floats in place across all ranks (identity for one rank).
using AllReduceSum = std::function<void(float* data, std::size_t count)>;

struct SupernetState;
// Shared ownership of a supernet (weights and input normalisation). Copies share the weights.
class SupernetHandle {
 public:
  SupernetHandle() = default;
  explicit SupernetHandle(std::shared_ptr<SupernetState> state) : state_(std::move(state)) {}
  const SearchSpace& space() const;
  SupernetState& state() const;
  bool valid() const { return static_cast<bool>(state_); }

 private:
  std::shared_ptr<SupernetState> state_;
};

SupernetHandle create_supernet(const SpaceSpec& spec, std::uint64_t seed);
// Weights ("model/..." parameters and buffers) and "data/normalisation" {mean, stddev}.
NamedArrays supernet_weights(const SupernetHandle& net);
SupernetHandle load_supernet(const SpaceSpec& spec, const NamedArrays& weights);

class SupernetTrainer;
class Trainer {
 public:
  // rank in [0, world); every rank builds the same Trainer from the same config and data and
  // passes an all-reduce over the same group. Throws std::invalid_argument on a bad config.
  Trainer(const SpaceSpec& spec, const TrainConfig& config, const ImageSet& train, int rank = 0, int world = 1,
          AllReduceSum allreduce = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  std::int64_t step() const;
  std::int64_t total_steps() const;
  int phase() const;  // of the next step (kTrainPhases when done)
  bool done() const;

  // One global step. Throws std::runtime_error naming step and phase when the loss is not finite.
  TrainProgress train_step();
  // Trains until done() or until max_steps more steps (< 0: no limit); calls on_progress every
  // progress_every steps (every step when progress_every_step: the caller paces its lines) and at
  // the end, on_checkpoint after each phase and every checkpoint_every.
  void run(const std::function<void(const TrainProgress&)>& on_progress,
           const std::function<void(const NamedArrays&)>& on_checkpoint, std::int64_t max_steps = -1,
           bool progress_every_step = false);

  // Weights, optimizer state, step, phase and a fingerprint of the config.
  NamedArrays checkpoint() const;
  // Throws std::invalid_argument when the checkpoint does not fit this space and config.
  void restore(const NamedArrays& checkpoint);
  // The same as io's supernet.h5 record: "momentum/..." arrays as optimizer, the rest as weights.
  SupernetCheckpoint checkpoint_record() const;
  void restore(const SupernetCheckpoint& record);

  SupernetHandle supernet() const;

 private:
  std::unique_ptr<SupernetTrainer> impl_;
};

struct EvalOptions {
  int calib_images = 2000;  // training images for BN re-calibration (random subset from seed)
  int calib_batch = 250;
  int eval_images = 0;      // 0: the whole split
  int eval_batch = 500;
  // Of the evaluation pass after re-calibration (the re-calibration itself stays fp32). bf16 needs
  // AVX512-BF16 (bf16_inference_supported()); score_subnet throws std::invalid_argument without it.
  InferencePrecision precision = InferencePrecision::fp32;
};

// Top-1, mean loss and the same on two fixed halves of the evaluated images (io/eval_score.hpp).
using SubnetScore = EvalScore;

// Extracts arch, re-calibrates its BN on calib_images images of calib, evaluates top-1 on val.
// Does not change the supernet (several evaluators may share a handle while nobody trains it).
double evaluate_subnet(const SupernetHandle& net, const Arch& arch, const ImageSet& calib, int calib_images,
                       const ImageSet& val, std::uint64_t seed);
// `images` holds the normalised images across calls (a worker's); without it they are made for this call.
SubnetScore score_subnet(const SupernetHandle& net, const Arch& arch, const ImageSet& calib, const ImageSet& val,
                         const EvalOptions& options, std::uint64_t seed, PreparedImages* images = nullptr);

}  // namespace apq
