// Fills a cost table by timing every distinct layer shape of a space with LibTorch on this host
// (fp32, CPU, the threads LibTorch is set to use). Host fp32 time does not depend on the policy's
// bits, so every (weight, activation) pair of a shape gets the same latency; energy is an estimate,
// latency x an assumed host power (the host has no energy counter we can read). Torch-free header.
#pragma once
#include "kernels/cost_model.hpp"

namespace apq {

struct HostTimingOptions {
  int batch = 1;          // images per timed forward
  int warmup = 3;         // untimed runs per shape
  int repeats = 15;       // timed runs per shape; the median is kept
  double host_watts = 15.0;  // assumed power while a layer runs (energy = latency x power)
  bool channels_last = true; // as the supernet runs (after the stem)
};

// Median forward time of one layer in milliseconds (for `batch` images: divide for per-image).
// Throws std::invalid_argument for batch, warmup or repeats out of range.
double time_layer_ms(const LayerShape& shape, const HostTimingOptions& options);

// A complete table for the space: source "host-measured", the options as description.
CostTable host_latency_table(const SearchSpace& space, const HostTimingOptions& options = {});

}  // namespace apq
