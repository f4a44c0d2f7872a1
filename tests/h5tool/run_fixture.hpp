// A small but complete run directory written through the io stores, for the apq-h5 tests.
#pragma once
#include <cmath>
#include <string>

#include "io/checkpoint_store.hpp"
#include "io/dataset_store.hpp"
#include "io/final_store.hpp"
#include "io/predictor_store.hpp"
#include "io/report_store.hpp"
#include "io/search_store.hpp"
#include "tests/io/store_test_util.hpp"

namespace apq::test {

// Deterministic values in [0, 1) (a tiny LCG: fixtures need no statistical quality).
class Sequence {
 public:
  explicit Sequence(std::uint64_t seed) : state_(seed * 2862933555777941757ULL + 3037000493ULL) {}
  double next() {
    state_ = state_ * 6364136223846793005ULL + 1442695040888963407ULL;
    return static_cast<double>(state_ >> 11) / 9007199254740992.0;
  }

 private:
  std::uint64_t state_;
};

// A score of 1,000 images with this top-1, split into halves that agree up to noise.
inline EvalScore fixture_score(double top1, Sequence& s) {
  EvalScore e;
  e.top1 = top1;
  e.loss = 1.5 * (1.0 - top1);
  e.images = 1000;
  const auto even = static_cast<std::int64_t>(500 * top1 + 5 * (s.next() - 0.5));
  e.even = {500, even, e.loss + 0.01};
  e.odd = {500, static_cast<std::int64_t>(1000 * top1) - even, e.loss - 0.01};
  return e;
}

inline QuantRecord fixture_quant_record(std::int64_t id, Sequence& s) {
  QuantRecord r;
  r.id = id;
  r.arch = "k" + std::to_string(3 + 2 * (id % 3)) + "m" + std::to_string(32 + 16 * (id % 4)) + " | k3m48";
  r.arch_code = std::vector<float>(6, 0.0f);
  r.arch_code[static_cast<std::size_t>(id % 6)] = 1;
  r.policy = "w" + std::to_string(2 + 2 * (id % 3)) + "a8 w8a8";
  r.policy_code = {static_cast<float>(id % 2), 1, 0};
  r.kind = id < 20 ? QuantItemKind::random_pair : QuantItemKind::policy_group;
  r.group = id < 20 ? -1 : (id - 20) / 4;
  r.latency_ms = 0.5 + 2.0 * s.next();
  r.energy_mj = 0.1 + 0.5 * s.next();
  r.bitops = 1e8 * (1 + 9 * s.next());
  // Accuracy grows with cost, plus noise, so there is a real front.
  r.score = fixture_score(0.70 + 0.05 * r.latency_ms + 0.06 * s.next(), s);
  r.fp_accuracy = id % 5 == 0 ? NAN : r.score.top1 + 0.01;
  r.seconds = 2 + s.next();
  return r;
}

inline PredictorRecord fixture_predictor(std::int64_t policy_size, double noise, Sequence& s) {
  PredictorRecord r;
  r.arch_size = 6;
  r.policy_size = policy_size;
  r.hidden = {32, 32};
  r.epochs = 10;
  r.n_train = 30;
  r.n_heldout = 12;
  double sq = 0;
  for (int i = 0; i < 12; ++i) {
    const double t = 0.75 + 0.15 * s.next();
    const double p = t + noise * (s.next() - 0.5);
    r.heldout_target.push_back(t);
    r.heldout_predicted.push_back(p);
    r.heldout_stddev.push_back(noise / 2);
    sq += (p - t) * (p - t);
  }
  r.rmse = std::sqrt(sq / 12);
  r.pearson = 0.9 - noise;
  r.kendall_tau = 0.8 - noise;
  r.kendall_tau_se = 0.05 + noise;
  r.mean_target = 0.82;
  r.cv_folds = 5;
  r.cv_kendall_tau = 0.75 - noise;
  r.cv_kendall_tau_se = 0.02;
  r.label_target = "blend";
  r.label_items = 42;
  r.label_split_half_tau = 0.6;
  r.label_split_half_pearson = 0.8;
  r.label_reliability = 2 * 0.8 / 1.8;
  r.label_tau_ceiling = 0.7;
  r.members = {{{"layers.0.weight", {2, 2}, {1, 2, 3, 4}}}};
  return r;
}

// Writes every run file into dir; returns the quant records (the Pareto tests need them).
inline std::vector<QuantRecord> write_fixture_run(const std::string& dir, int quant_items = 40) {
  const RunMeta meta = sample_meta();
  Sequence s(11);
  {
    FpDatasetWriter fp(dir + "/fp_dataset.h5", meta, 6);
    for (int id = 0; id < 30; ++id) {
      std::vector<float> code(6, 0.0f);
      code[static_cast<std::size_t>(id % 6)] = 1;
      fp.append({id, "k3m" + std::to_string(32 + id) + " | k5m64", code, fixture_score(0.8 + 0.1 * s.next(), s), 1 + s.next()});
    }
    fp.append_failure({30, "evaluation failed: out of memory"});
  }
  std::vector<QuantRecord> quant;
  {
    QuantDatasetWriter q(dir + "/quant_dataset.h5", meta, 6, 3);
    for (int id = 0; id < quant_items; ++id) {
      quant.push_back(fixture_quant_record(id, s));
      q.append(quant.back());
    }
    q.append_failure({quant_items, "fine-tuning diverged"});
  }
  SupernetCheckpoint c;
  c.step = 120;
  c.phase = "expand";
  c.phases_done = 2;
  c.images_seen = 15360;
  c.weights = {{"stem.weight", {4, 1, 3, 3}, std::vector<float>(36, 0.1f)}};
  c.optimizer = {{"stem.weight.momentum", {4, 1, 3, 3}, std::vector<float>(36, 0.0f)}};
  save_checkpoint(dir + "/supernet.h5", meta, c);
  save_predictor(dir + "/predictors.h5", meta, kFpPredictor, fixture_predictor(0, 0.02, s));
  save_predictor(dir + "/predictors.h5", meta, kQuantPredictor, fixture_predictor(3, 0.03, s));
  save_predictor(dir + "/predictors.h5", meta, kQuantScratchPredictor, fixture_predictor(3, 0.08, s));
  {
    SearchWriter w(dir + "/search.h5", meta, "joint", SearchBudget{2.0, 0, 0});
    for (int g = 0; g < 4; ++g) w.append_history({{g, 0, 0.8 + 0.01 * g, 0.75, 16 * (g + 1)}, {g, 1, 0.79 + 0.01 * g, 0.74, 16 * (g + 1)}});
    w.write_results({{0, "k7m64 | k3m48", "w4a8 w8a8", 0.86, 1.9, 0.4, 8e8, 1},
                     {1, "k5m48 | k3m48", "w4a8 w4a8", 0.84, 1.2, 0.3, 5e8, 0},
                     {2, "k5m32 | k3m48", "w2a8 w4a8", 0.83, 1.4, 0.35, 4e8, 0}});
  }
  for (int rank = 0; rank < 3; ++rank) {
    FinalEntry e;
    e.rank = rank;
    e.arch = "k5m" + std::to_string(48 - 8 * rank) + " | k3m48";
    e.policy = "w4a8 w8a8";
    e.predicted_accuracy = 0.86 - 0.01 * rank;
    e.val_accuracy = 0.85 - 0.012 * rank;
    e.test_accuracy = 0.845 - 0.01 * rank;
    e.latency_ms = 1.9 - 0.3 * rank;
    e.energy_mj = 0.4;
    e.bitops = 8e8;
    e.fine_tune_epochs = 2;
    e.state_dict = {{"w", {2}, {1, 2}}};
    add_final_entry(dir + "/final.h5", meta, e);
  }
  return quant;
}

}  // namespace apq::test
