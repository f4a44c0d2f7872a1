// An ensemble of accuracy predictors of one shape: members start from different seeds and each
// early-stops on its own held-out part of the pairs, so they agree where the pairs pin the
// answer down and disagree where they do not. The members' mean is the prediction, their
// standard deviation its uncertainty; the search scores mean - penalty * std, so it does not
// chase places where one network extrapolates (docs/PREDICTOR-AND-SEARCH.md). Torch-free.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "kernels/evolution.hpp"
#include "kernels/predictor.hpp"

namespace apq {

class PredictorEnsemble {
 public:
  PredictorEnsemble() = default;
  explicit PredictorEnsemble(std::vector<PredictorHandle> members);

  // `members` fresh predictors trained on `data` (member i: init and split seeds from (seed, i)).
  static PredictorEnsemble train(const Encoding& encoding, const PredictorConfig& config, const PredictorDataset& data,
                                 const TrainOptions& options, int members, std::uint64_t seed);
  // Every member transferred to quantization-aware (kernels/predictor.hpp), with the BitOps input
  // if asked, and trained on `data`.
  PredictorEnsemble transfer(const PredictorDataset& data, const TrainOptions& options, std::uint64_t seed,
                             bool bitops_input = false) const;

  std::size_t size() const { return members_.size(); }
  const PredictorHandle& member(std::size_t i) const { return members_.at(i); }
  bool quantization_aware() const { return !members_.empty() && members_.front().quantization_aware(); }

  // mean[i], stddev[i] over the members (population std; 0 for one member). Not thread-safe.
  // bitops as in PredictorHandle::predict; when null, members with the BitOps input share one
  // computation of them.
  void predict(std::size_t n, const Arch* const* archs, const Policy* const* policies, float* mean,
               float* stddev, const double* bitops = nullptr) const;
  void predict(const std::vector<Arch>& archs, const std::vector<Policy>& policies, std::vector<float>& mean,
               std::vector<float>& stddev) const;

  // What training reported for each member (empty for a loaded ensemble).
  const std::vector<PredictorMetrics>& training() const { return training_; }

  std::vector<NamedArrays> save() const;
  static PredictorEnsemble load(const Encoding& encoding, const std::vector<NamedArrays>& members);

 private:
  std::vector<PredictorHandle> members_;
  std::vector<PredictorMetrics> training_;
  std::shared_ptr<const CostModel> costs_;  // the members' BitOps input's; null if they do not take it
  mutable std::vector<float> scratch_;
  mutable std::vector<double> bitops_;
};

// Fitness = mean - penalty * stddev of the ensemble's predictions (the ensemble must outlive it).
FitnessFn ensemble_fitness(const PredictorEnsemble& ensemble, double penalty);

}  // namespace apq
