// The activation fake-quantizers (declared in kernels/quantizer.hpp) as one autograd function
// each way: one pass over the activations forward (clip, round to the scale, straight-through)
// and one backward (the gradient inside the range to x, the PACT gradient outside it to alpha).
// Composed from where/clamp/round/straight-through they took about ten passes and as many
// temporaries, which made a QAT step half as fast as a float one (bench/quant_bench). Every
// value is computed with the composed form's float operations in its order, so the outputs are
// bit-identical and the gradients equal (alpha's up to summation order);
// tests/kernels/fused_act_quant_test.cpp checks both against the composed form.
#include <ATen/Parallel.h>
#include <torch/torch.h>

#include <algorithm>
#include <vector>

#include "kernels/quantizer.hpp"

namespace apq {
namespace {

// Round half to even, as torch::round, for |v| < 2^22 (every v here is within +-255 levels):
// adding 1.5 * 2^23 leaves no fraction bits. Vectorizes where std::nearbyint would not (IEEE
// arithmetic without -ffast-math: the compiler may not fold the pair away).
inline float round_even(float v) {
  constexpr float kMagic = 12582912.0f;
  return (v + kMagic) - kMagic;
}

ActRange range_of(const torch::Tensor& alpha, int bits, bool is_signed) {
  return act_range(alpha.item<float>(), bits, is_signed ? ActKind::signed_clip : ActKind::unsigned_clip);
}

constexpr int64_t kBlock = 16384;  // elements per parallel block; fixed, so alpha's sum is too

// x in a dense layout (any memory format): the gradient's strides can follow it.
torch::Tensor dense(const torch::Tensor& x) {
  return x.is_non_overlapping_and_dense() ? x : x.contiguous();
}

class FusedActQuant : public torch::autograd::Function<FusedActQuant> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& input,
                               const torch::Tensor& alpha, int64_t bits, bool is_signed) {
    const torch::Tensor x = dense(input.to(torch::kFloat));
    const ActRange r = range_of(alpha, static_cast<int>(bits), is_signed);
    torch::Tensor out = torch::empty_like(x);  // same strides as x
    const float* in = x.data_ptr<float>();
    float* o = out.data_ptr<float>();
    at::parallel_for(0, x.numel(), kBlock, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; ++i) {
        // where(x < a, x, a), then clamp_min(0) or where(. > -a, ., -a): the composed form.
        const float upper = in[i] < r.upper ? in[i] : r.upper;
        const float c = is_signed ? (upper > r.lower ? upper : r.lower) : (upper < 0.0f ? 0.0f : upper);
        const float q = round_even(c / r.scale) * r.scale;
        o[i] = c + (q - c);  // the straight-through sum, as x + (q - x).detach()
      }
    });
    ctx->save_for_backward({x, alpha});
    ctx->saved_data["signed"] = is_signed;
    return out;
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const torch::Tensor& x = saved[0];
    const torch::Tensor& alpha = saved[1];
    const bool is_signed = ctx->saved_data["signed"].toBool();
    torch::Tensor g = grads[0].to(torch::kFloat);
    if (g.strides() != x.strides()) g = torch::empty_like(x).copy_(g);  // x's layout, element for element
    const float a = alpha.item<float>();
    torch::Tensor grad_x = torch::empty_like(x);
    const float* in = x.data_ptr<float>();
    const float* gi = g.data_ptr<float>();
    float* go = grad_x.data_ptr<float>();
    const int64_t n = x.numel();
    std::vector<double> partial((n + kBlock - 1) / kBlock, 0.0);
    at::parallel_for(0, static_cast<int64_t>(partial.size()), 1, [&](int64_t first, int64_t last) {
      for (int64_t b = first; b < last; ++b) {
        double sum = 0.0;
        for (int64_t i = b * kBlock, end = std::min(n, (b + 1) * kBlock); i < end; ++i) {
          const float v = in[i];
          // Inside: x < a and (unsigned) x >= 0 or (signed) x > -a. Outside: PACT, +g above a,
          // -g at or below -a (signed).
          const bool inside = v < a && (is_signed ? v > -a : v >= 0.0f);
          go[i] = inside ? gi[i] : 0.0f;
          if (!(v < a)) sum += gi[i];
          else if (is_signed && !(v > -a)) sum -= gi[i];
        }
        partial[b] = sum;
      }
    });
    double total = 0.0;
    for (double p : partial) total += p;
    return {grad_x, torch::full_like(alpha, static_cast<float>(total)), torch::Tensor(), torch::Tensor()};
  }
};

torch::Tensor fused(const torch::Tensor& x, const torch::Tensor& alpha, int bits, bool is_signed) {
  check_bits(bits, "activation quantizer");
  return FusedActQuant::apply(x, alpha, static_cast<int64_t>(bits), is_signed);
}

}  // namespace

torch::Tensor fake_quant_unsigned(const torch::Tensor& x, const torch::Tensor& alpha, int bits) {
  return fused(x, alpha, bits, false);
}

torch::Tensor fake_quant_signed(const torch::Tensor& x, const torch::Tensor& alpha, int bits) {
  return fused(x, alpha, bits, true);
}

}  // namespace apq
