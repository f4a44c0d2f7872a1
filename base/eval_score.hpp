// What one evaluation of a network on a set of images measured: top-1 and mean cross-entropy
// on all of them, and the same on two fixed disjoint halves (the images at even and at odd
// positions of the evaluated set). The halves give every label its split-half reliability
// (kernels/label_reliability.hpp): how far two independent measurements of the same item agree.
#pragma once
#include <cstdint>

namespace apq {

struct HalfScore {
  std::int64_t images = 0;
  std::int64_t correct = 0;
  double loss = 0.0;  // mean cross-entropy over the half's images
  double top1() const { return images > 0 ? static_cast<double>(correct) / static_cast<double>(images) : 0.0; }
};

struct EvalScore {
  double top1 = 0.0;  // in [0, 1]
  double loss = 0.0;  // mean cross-entropy
  std::int64_t images = 0;
  HalfScore even, odd;  // images at even / odd positions (0, 2, 4, ... and 1, 3, 5, ...)
};

}  // namespace apq
