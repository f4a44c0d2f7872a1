// How far two measured accuracies can be told apart.
#pragma once
#include <cmath>
#include <cstdint>

namespace apq {

// The standard error of a difference of two accuracies on n1 and n2 images, as if independent
// (binomial). Both are measured on the same images, so the paired error is smaller; per-image
// outcomes are not kept, so this is the conservative figure.
inline double difference_se(double p1, std::int64_t n1, double p2, std::int64_t n2) {
  auto var = [](double p, std::int64_t n) { return n > 0 ? p * (1 - p) / static_cast<double>(n) : 0.0; };
  return std::sqrt(var(p1, n1) + var(p2, n2));
}

}  // namespace apq
