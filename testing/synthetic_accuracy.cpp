#include "testing/synthetic_accuracy.hpp"

#include <algorithm>
#include <cmath>

#include "base/rng.hpp"

namespace apq {
namespace {

constexpr double kBase = 0.55;  // accuracy of a net with no capacity
constexpr double kSpan = 0.40;  // what capacity can add at most

// Loss factor of b bits: 8 bits ~0, 6 bits small, 4 bits large, 2 bits severe.
double bit_loss(int bits) { return std::pow(2.0, -(bits - 2.0)) - std::pow(2.0, -6.0); }

}  // namespace

SyntheticAccuracy::SyntheticAccuracy(const SearchSpace& space, std::uint64_t seed, double noise)
    : space_(&space), seed_(seed), noise_(noise) {
  Rng rng(derive_seed(seed, stream_tag("synthetic-accuracy"), 0));
  const int n = space.num_slots();
  for (int i = 0; i < n; ++i) {
    const double position = n > 1 ? static_cast<double>(i) / (n - 1) : 0.0;
    slot_gain_.push_back(0.6 + 0.8 * rng.uniform());
    slot_sensitivity_.push_back((0.4 + 1.2 * rng.uniform()) * (0.6 + 0.8 * position));
  }
  scale_ = 0.5 * capacity(space.largest());
}

double SyntheticAccuracy::capacity(const Arch& arch) const {
  const auto& kernels = space_->spec().kernels;
  double total = 0.0;
  for (int i = 0; i < space_->num_slots(); ++i) {
    if (!space_->is_active(arch, i)) continue;
    const BlockSlot& slot = space_->slots()[i];
    const double kernel_term = 1.0 + 0.15 * (arch.kernel[i] - kernels.front()) / 2.0;
    const double width_term = std::log2(1.0 + static_cast<double>(arch.mid[i]) / slot.in_channels);
    // Later positions inside a stage add less (residual blocks refine).
    total += slot_gain_[i] * kernel_term * width_term / (1.0 + 0.3 * slot.index);
  }
  return total;
}

double SyntheticAccuracy::penalty(const Arch& arch, const Policy& policy) const {
  double total = 0.0;
  for (int i = 0; i < space_->num_slots(); ++i) {
    if (!space_->is_active(arch, i)) continue;
    const BlockSlot& slot = space_->slots()[i];
    const BlockBits& b = policy.blocks[i];
    // Narrow (pruned) blocks are more sensitive; the weights/activations of the 1x1 convs more than depthwise.
    const double narrow = std::sqrt(static_cast<double>(slot.mid_choices.back()) / arch.mid[i]);
    const double loss = 1.0 * bit_loss(b.pw_w) + 1.3 * bit_loss(b.pw_a) + 0.6 * bit_loss(b.dw_w) + 0.8 * bit_loss(b.dw_a);
    total += 0.004 * slot_sensitivity_[i] * narrow * loss;
  }
  return total;
}

double SyntheticAccuracy::noise_of(const Arch& arch, const Policy* policy) const {
  std::uint64_t h = splitmix64(seed_ ^ 0x5EEDULL);
  for (int d : arch.depth) h = splitmix64(h ^ static_cast<std::uint64_t>(d));
  for (std::size_t i = 0; i < arch.kernel.size(); ++i)
    h = splitmix64(h ^ (static_cast<std::uint64_t>(arch.kernel[i]) << 32) ^ static_cast<std::uint64_t>(arch.mid[i]));
  if (policy)
    for (const BlockBits& b : policy->blocks)
      h = splitmix64(h ^ static_cast<std::uint64_t>(b.pw_w | b.pw_a << 8 | b.dw_w << 16 | b.dw_a << 24));
  const double u = static_cast<double>(h >> 11) * 0x1.0p-53;
  return noise_ * (2.0 * u - 1.0);
}

double SyntheticAccuracy::full_precision(const Arch& arch) const {
  const double acc = kBase + kSpan * (1.0 - std::exp(-capacity(arch) / scale_)) + noise_of(arch, nullptr);
  return std::clamp(acc, 0.0, 1.0);
}

double SyntheticAccuracy::quantized(const Arch& arch, const Policy& policy) const {
  const double acc = kBase + kSpan * (1.0 - std::exp(-capacity(arch) / scale_)) - penalty(arch, policy) +
                     noise_of(arch, &policy);
  return std::clamp(acc, 0.0, 1.0);
}

}  // namespace apq
