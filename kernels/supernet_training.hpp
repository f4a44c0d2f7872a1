// Progressive-shrinking training of the supernet (the implementation behind the torch-free
// Trainer of kernels/supernet_jobs.hpp). Torch header.
//
// Step t: phase and cosine learning rate from t; subnet drawn from derive_seed(seed, "train", t)
// within the choices the phase has opened (never from the rank); global batch t of the epoch's
// shuffle, split into config.micro_batches fixed micro-batches. Rank r of w processes micro-batches
// r, r + w, ... (each its own BN batch statistics) and accumulates gradients; then a few flat
// buckets (gradients; BN statistic sums and the loss) are all-reduced, divided by the micro-batch
// count, and every rank takes the same SGD step. One rank and several ranks therefore end with the
// same weights, up to float summation order.
#pragma once
#include <torch/torch.h>

#include <chrono>
#include <memory>
#include <vector>

#include "kernels/batches.hpp"
#include "kernels/nesterov_sgd.hpp"
#include "kernels/supernet.hpp"
#include "kernels/supernet_jobs.hpp"

namespace apq {

class SupernetTrainer {
 public:
  SupernetTrainer(const SpaceSpec& spec, const TrainConfig& config, const ImageSet& train, int rank, int world,
                  AllReduceSum allreduce);

  std::int64_t step() const { return step_; }
  std::int64_t total_steps() const { return phase_start_.back(); }
  int phase_of(std::int64_t step) const;  // kTrainPhases at or past the end
  bool done() const { return step_ >= total_steps(); }
  double lr_at(std::int64_t step) const;
  // The subnet step trains, from (seed, step) and the choices its phase has opened.
  Arch sample_arch(std::int64_t step) const;
  // The smallest subnet within the choices the phase of `step` has opened.
  Arch smallest_opened(std::int64_t step) const;

  TrainProgress train_step();

  NamedArrays checkpoint() const;
  void restore(const NamedArrays& checkpoint);

  const std::shared_ptr<SupernetState>& state() const { return state_; }
  Supernet& net() { return *state_->net; }
  NesterovSgd& optimizer() { return *sgd_; }
  const TrainConfig& config() const { return config_; }
  // This rank's student images and busy seconds since the last call.
  std::pair<std::int64_t, double> take_throughput();

 private:
  struct Bucket {
    torch::Tensor flat;
    std::vector<std::size_t> params;  // indices into sgd_->params()
    std::vector<torch::Tensor> views;  // gradient views into flat, one per param
  };
  void build_buckets();
  void sort_channels_for_width_phase();
  // All-reduces gradients, BN statistics and the loss; returns the mean loss over micro-batches.
  double reduce(double local_loss_sum);
  std::vector<double> fingerprint() const;

  TrainConfig config_;
  SearchSpace space_;
  int rank_, world_;
  AllReduceSum allreduce_;
  std::shared_ptr<SupernetState> state_;
  std::unique_ptr<NesterovSgd> sgd_;
  ImageTensors data_;
  BatchPlan plan_;
  std::vector<std::int64_t> phase_start_;  // kTrainPhases + 1 cumulative starts
  std::vector<Bucket> buckets_;
  std::vector<torch::Tensor> grads_;  // per parameter, views into the buckets
  torch::Tensor stats_;              // BN stat sums of all layers + the loss sum
  std::int64_t step_ = 0;
  std::int64_t images_since_ = 0;
  double seconds_since_ = 0.0;
};

}  // namespace apq
