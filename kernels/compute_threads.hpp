// Number of intra-op threads LibTorch uses for kernels (convolutions, GEMMs). Torch-free header:
// launch calls it once at start-up (threads per rank = cores / ranks per node, see STACK.md).
#pragma once

namespace apq {

// Throws std::invalid_argument when threads < 1.
void set_compute_threads(int threads);
int compute_threads();

}  // namespace apq
