#include "kernels/predictor_ensemble.hpp"

#include <cmath>
#include <stdexcept>

#include "base/rng.hpp"

namespace apq {
namespace {

TrainOptions member_options(TrainOptions options, std::uint64_t seed, std::size_t i) {
  options.seed = derive_seed(seed, stream_tag("member-split"), i);
  return options;
}

}  // namespace

PredictorEnsemble::PredictorEnsemble(std::vector<PredictorHandle> members) : members_(std::move(members)) {
  if (members_.empty()) throw std::invalid_argument("predictor ensemble: no members");
  for (const auto& m : members_)
    if (m.quantization_aware() != members_.front().quantization_aware() ||
        m.weights().bitops_input() != members_.front().weights().bitops_input())
      throw std::invalid_argument("predictor ensemble: members of different kinds");
  if (members_.front().weights().bitops_input())
    costs_ = std::make_shared<const CostModel>(members_.front().encoding().space());
}

PredictorEnsemble PredictorEnsemble::train(const Encoding& encoding, const PredictorConfig& config,
                                           const PredictorDataset& data, const TrainOptions& options, int members,
                                           std::uint64_t seed) {
  if (members < 1) throw std::invalid_argument("predictor ensemble: members must be at least 1");
  std::vector<PredictorHandle> trained;
  std::vector<PredictorMetrics> metrics;
  for (int i = 0; i < members; ++i) {
    PredictorHandle h(encoding, config, derive_seed(seed, stream_tag("member-init"), static_cast<std::uint64_t>(i)));
    metrics.push_back(h.train(data, member_options(options, seed, static_cast<std::size_t>(i))));
    trained.push_back(std::move(h));
  }
  PredictorEnsemble ensemble(std::move(trained));
  ensemble.training_ = std::move(metrics);
  return ensemble;
}

PredictorEnsemble PredictorEnsemble::transfer(const PredictorDataset& data, const TrainOptions& options,
                                              std::uint64_t seed, bool bitops_input) const {
  std::vector<PredictorHandle> trained;
  std::vector<PredictorMetrics> metrics;
  for (std::size_t i = 0; i < members_.size(); ++i) {
    PredictorHandle h = members_[i].transfer(derive_seed(seed, stream_tag("member-transfer"), i), false, bitops_input);
    metrics.push_back(h.train(data, member_options(options, seed, i)));
    trained.push_back(std::move(h));
  }
  PredictorEnsemble ensemble(std::move(trained));
  ensemble.training_ = std::move(metrics);
  return ensemble;
}

void PredictorEnsemble::predict(std::size_t n, const Arch* const* archs, const Policy* const* policies, float* mean,
                                float* stddev, const double* bitops) const {
  if (members_.empty()) throw std::logic_error("predictor ensemble: empty");
  if (costs_ && !bitops) {
    if (!policies) throw std::invalid_argument("predictor: the quantization-aware predictor needs a policy per arch");
    bitops_.resize(n);
    for (std::size_t i = 0; i < n; ++i) bitops_[i] = costs_->costs(*archs[i], *policies[i]).bitops;
    bitops = bitops_.data();
  }
  const std::size_t m = members_.size();
  scratch_.resize(n * m);
  for (std::size_t k = 0; k < m; ++k) members_[k].predict(n, archs, policies, scratch_.data() + k * n, bitops);
  for (std::size_t i = 0; i < n; ++i) {
    double sum = 0.0;
    for (std::size_t k = 0; k < m; ++k) sum += scratch_[k * n + i];
    const double mu = sum / static_cast<double>(m);
    double sq = 0.0;
    for (std::size_t k = 0; k < m; ++k) sq += (scratch_[k * n + i] - mu) * (scratch_[k * n + i] - mu);
    mean[i] = static_cast<float>(mu);
    stddev[i] = static_cast<float>(std::sqrt(sq / static_cast<double>(m)));
  }
}

void PredictorEnsemble::predict(const std::vector<Arch>& archs, const std::vector<Policy>& policies,
                                std::vector<float>& mean, std::vector<float>& stddev) const {
  std::vector<const Arch*> a(archs.size());
  std::vector<const Policy*> p(archs.size());
  for (std::size_t i = 0; i < archs.size(); ++i) {
    a[i] = &archs[i];
    p[i] = policies.empty() ? nullptr : &policies.at(i);
  }
  mean.resize(archs.size());
  stddev.resize(archs.size());
  predict(archs.size(), a.data(), policies.empty() ? nullptr : p.data(), mean.data(), stddev.data());
}

std::vector<NamedArrays> PredictorEnsemble::save() const {
  std::vector<NamedArrays> out;
  for (const auto& m : members_) out.push_back(m.save());
  return out;
}

PredictorEnsemble PredictorEnsemble::load(const Encoding& encoding, const std::vector<NamedArrays>& members) {
  std::vector<PredictorHandle> handles;
  for (const auto& m : members) handles.push_back(PredictorHandle::load(encoding, m));
  return PredictorEnsemble(std::move(handles));
}

FitnessFn ensemble_fitness(const PredictorEnsemble& ensemble, double penalty) {
  return [&ensemble, penalty](const std::vector<Individual>& individuals) {
    const CandidateViews views(individuals);
    const std::size_t n = views.size();
    std::vector<float> mean(n), stddev(n);
    ensemble.predict(n, views.archs(), ensemble.quantization_aware() ? views.policies() : nullptr, mean.data(),
                     stddev.data(), views.bitops());
    for (std::size_t i = 0; i < n; ++i) mean[i] -= static_cast<float>(penalty) * stddev[i];
    return mean;
  };
}

}  // namespace apq
