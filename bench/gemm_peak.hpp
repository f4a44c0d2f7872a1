// The machine's fp32 compute ceiling as the benches measure it: GFLOP/s of a 1024x1024 sgemm
// (LibTorch's at::mm, the current thread count), timed with the clock the caller passes, so a
// kernel's achieved GFLOP/s can be printed as a fraction of it from the same run.
#pragma once
#include <ATen/core/Tensor.h>
#include <ATen/ops/mm.h>
#include <ATen/ops/randn.h>

namespace apq::bench {

inline double gemm_gflops(double (*now)()) {
  const at::Tensor a = at::randn({1024, 1024}), b = at::randn({1024, 1024});
  at::Tensor c = at::mm(a, b);
  for (int i = 0; i < 3; ++i) at::mm_out(c, a, b);
  const int reps = 20;
  const double t0 = now();
  for (int i = 0; i < reps; ++i) at::mm_out(c, a, b);
  return 2.0 * 1024 * 1024 * 1024 * reps / (now() - t0) / 1e9;
}

}  // namespace apq::bench
