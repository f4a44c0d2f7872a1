#include "kernels/label_reliability.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "kernels/predictor_metrics.hpp"

namespace apq {
namespace {

constexpr double kPi = 3.14159265358979323846;

double mean(const std::vector<double>& x) {
  double s = 0.0;
  for (double v : x) s += v;
  return s / static_cast<double>(x.size());
}

double covariance(const std::vector<double>& x, const std::vector<double>& y) {
  const double mx = mean(x), my = mean(y);
  double s = 0.0;
  for (std::size_t i = 0; i < x.size(); ++i) s += (x[i] - mx) * (y[i] - my);
  return s / static_cast<double>(x.size());
}

// (x - mean) / std; all zeros for a constant x.
std::vector<double> z_scores(const std::vector<double>& x) {
  const double m = mean(x), sd = std::sqrt(covariance(x, x));
  std::vector<double> z(x.size(), 0.0);
  if (sd > 0)
    for (std::size_t i = 0; i < x.size(); ++i) z[i] = (x[i] - m) / sd;
  return z;
}

std::vector<double> sum(const std::vector<double>& a, const std::vector<double>& b) {
  std::vector<double> s(a.size());
  for (std::size_t i = 0; i < a.size(); ++i) s[i] = a[i] + b[i];
  return s;
}

std::vector<float> as_float(const std::vector<double>& x) { return {x.begin(), x.end()}; }

// Pearson correlation; 0 when either side is constant (a variance below 1e-20 is rounding: scores
// are accuracies and losses of order 1, whose real spreads are 1e-8 and more).
double correlation(const std::vector<double>& x, const std::vector<double>& y) {
  const double vx = covariance(x, x), vy = covariance(y, y);
  return vx > 1e-20 && vy > 1e-20 ? covariance(x, y) / std::sqrt(vx * vy) : 0.0;
}

template <class Get>
std::vector<double> column(const std::vector<EvalScore>& scores, Get get) {
  std::vector<double> out;
  out.reserve(scores.size());
  for (const auto& s : scores) out.push_back(get(s));
  return out;
}

}  // namespace

const char* label_target_name(LabelTarget t) {
  switch (t) {
    case LabelTarget::top1: return "top1";
    case LabelTarget::loss: return "loss";
    case LabelTarget::blend: return "blend";
  }
  return "?";
}

LabelTarget parse_label_target(const std::string& name) {
  for (int t = 0; t < kLabelTargets; ++t)
    if (name == label_target_name(static_cast<LabelTarget>(t))) return static_cast<LabelTarget>(t);
  throw std::invalid_argument("label target must be top1, loss or blend, not '" + name + "'");
}

SplitHalf split_half(const std::vector<double>& a, const std::vector<double>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("split-half: the halves have different item counts");
  if (a.size() < 3) throw std::invalid_argument("split-half: fewer than 3 items");
  SplitHalf h;
  h.items = static_cast<int>(a.size());
  h.pearson = correlation(a, b);
  h.kendall_tau = kendall_tau(as_float(a), as_float(b));
  h.reliability = h.pearson > -1.0 ? 2.0 * h.pearson / (1.0 + h.pearson) : -1.0;
  // A negative reliability has no ceiling: no signal to rank by.
  h.tau_ceiling = h.reliability > 0 ? 2.0 / kPi * std::asin(std::sqrt(std::min(1.0, h.reliability))) : 0.0;
  return h;
}

TargetScores target_scores(const std::vector<EvalScore>& scores, LabelTarget target) {
  std::vector<double> acc = column(scores, [](const EvalScore& s) { return s.top1; });
  std::vector<double> acc_even = column(scores, [](const EvalScore& s) { return s.even.top1(); });
  std::vector<double> acc_odd = column(scores, [](const EvalScore& s) { return s.odd.top1(); });
  std::vector<double> neg_loss = column(scores, [](const EvalScore& s) { return -s.loss; });
  std::vector<double> neg_loss_even = column(scores, [](const EvalScore& s) { return -s.even.loss; });
  std::vector<double> neg_loss_odd = column(scores, [](const EvalScore& s) { return -s.odd.loss; });
  switch (target) {
    case LabelTarget::top1: return {acc, acc_even, acc_odd};
    case LabelTarget::loss: return {neg_loss, neg_loss_even, neg_loss_odd};
    case LabelTarget::blend:
      return {sum(z_scores(acc), z_scores(neg_loss)), sum(z_scores(acc_even), z_scores(neg_loss_even)),
              sum(z_scores(acc_odd), z_scores(neg_loss_odd))};
  }
  throw std::invalid_argument("unknown label target");
}

LabelChoice choose_labels(const std::vector<EvalScore>& scores, std::optional<LabelTarget> forced) {
  LabelChoice choice;
  TargetScores per_target[kLabelTargets];
  for (int t = 0; t < kLabelTargets; ++t) {
    per_target[t] = target_scores(scores, static_cast<LabelTarget>(t));
    choice.reliability[t] = split_half(per_target[t].even, per_target[t].odd);
  }
  const TargetScores& top1_halves = per_target[static_cast<int>(LabelTarget::top1)];
  const double r_top1 = choice.reliability[static_cast<int>(LabelTarget::top1)].pearson;
  for (int t = 0; t < kLabelTargets; ++t) {
    SplitHalf& h = choice.reliability[t];
    if (r_top1 > 0 && h.pearson > 0) {
      const double cross = 0.5 * (correlation(per_target[t].even, top1_halves.odd) +
                                  correlation(per_target[t].odd, top1_halves.even));
      h.validity = cross / std::sqrt(h.pearson * r_top1);
      h.worth = std::sqrt(h.reliability) * std::min(h.validity, 1.0);
    }
  }
  for (int t = 1; t < kLabelTargets && !forced; ++t) {
    const SplitHalf& h = choice.reliability[t];
    const bool measures_accuracy = !(h.validity < kMinValidity);  // NaN: not measurable, kept
    if (measures_accuracy && h.reliability > choice.chosen().reliability) choice.target = static_cast<LabelTarget>(t);
  }
  if (forced) choice.target = *forced;
  const std::vector<double>& top1 = per_target[0].full;
  const std::vector<double>& s = per_target[static_cast<int>(choice.target)].full;
  if (choice.target == LabelTarget::top1) {
    choice.labels = top1;
    return choice;
  }
  const double var = covariance(s, s);
  const double slope = var > 0 ? covariance(top1, s) / var : 0.0;
  const double m_top1 = mean(top1), m_s = mean(s);
  for (double v : s) choice.labels.push_back(m_top1 + slope * (v - m_s));
  return choice;
}

}  // namespace apq
