#include "kernels/depthwise_conv.hpp"

#include <ATen/Parallel.h>

#include <algorithm>

namespace apq {
namespace {

constexpr int64_t kImagesPerChunk = 4;  // fixed, so grad_weight's summation order is too

// Both gradients of one image's depthwise convolution, every tensor channels-last: for each
// output position and kernel tap, grad_input[tap's input position] += grad_out * w[tap] and
// grad_weight[tap] += input * grad_out, along the channels. Compiled for AVX-512 and AVX2 beside
// the baseline; the loader picks the best the CPU has.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
__attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#endif
void backward_image(const float* __restrict g, const float* __restrict x, const float* __restrict w_taps,
                    float* __restrict grad_x, float* __restrict grad_w_taps, int64_t C, int64_t H, int64_t W,
                    int64_t OH, int64_t OW, int64_t k, int64_t stride, int64_t padding) {
  for (int64_t oh = 0; oh < OH; ++oh) {
    for (int64_t ow = 0; ow < OW; ++ow) {
      const float* __restrict go = g + (oh * OW + ow) * C;
      for (int64_t kh = 0; kh < k; ++kh) {
        const int64_t ih = oh * stride + kh - padding;
        if (ih < 0 || ih >= H) continue;
        for (int64_t kw = 0; kw < k; ++kw) {
          const int64_t iw = ow * stride + kw - padding;
          if (iw < 0 || iw >= W) continue;
          const int64_t in = (ih * W + iw) * C, tap = (kh * k + kw) * C;
          const float* __restrict xi = x + in;
          const float* __restrict wt = w_taps + tap;
          float* __restrict gx = grad_x ? grad_x + in : nullptr;
          float* __restrict gw = grad_w_taps ? grad_w_taps + tap : nullptr;
          if (gx)
            for (int64_t c = 0; c < C; ++c) gx[c] += go[c] * wt[c];
          if (gw)
            for (int64_t c = 0; c < C; ++c) gw[c] += xi[c] * go[c];
        }
      }
    }
  }
}

torch::Tensor channels_last_float(const torch::Tensor& t) {
  return t.to(torch::kFloat).contiguous(at::MemoryFormat::ChannelsLast);
}

class DepthwiseConv : public torch::autograd::Function<DepthwiseConv> {
 public:
  static torch::Tensor forward(torch::autograd::AutogradContext* ctx, const torch::Tensor& x,
                               const torch::Tensor& weight, int64_t stride, int64_t padding) {
    ctx->save_for_backward({x, weight});
    ctx->saved_data["stride"] = stride;
    ctx->saved_data["padding"] = padding;
    return torch::conv2d(x, weight, {}, stride, padding, 1, x.size(1));
  }

  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    const auto saved = ctx->get_saved_variables();
    const int64_t stride = ctx->saved_data["stride"].toInt(), padding = ctx->saved_data["padding"].toInt();
    const bool want_x = ctx->needs_input_grad(0), want_w = ctx->needs_input_grad(1);
    if (!grads[0].defined() || saved[0].size(0) == 0)  // output unused, or no images
      return {want_x ? torch::zeros_like(saved[0]) : torch::Tensor(),
              want_w ? torch::zeros_like(saved[1]) : torch::Tensor(), torch::Tensor(), torch::Tensor()};
    const torch::Tensor x = channels_last_float(saved[0]);
    const torch::Tensor g = channels_last_float(grads[0]);
    const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), k = saved[1].size(3);
    const int64_t OH = g.size(2), OW = g.size(3);
    // [k*k, C]: each tap's weights along the channels, as the channels-last rows are laid out.
    const torch::Tensor w_taps = saved[1].to(torch::kFloat).reshape({C, k * k}).t().contiguous();
    torch::Tensor grad_x = want_x ? torch::zeros_like(x) : torch::Tensor();  // channels-last, as x
    const int64_t chunks = (N + kImagesPerChunk - 1) / kImagesPerChunk;
    torch::Tensor partial = want_w ? torch::zeros({chunks, k * k, C}) : torch::Tensor();
    at::parallel_for(0, chunks, 1, [&](int64_t first, int64_t last) {
      for (int64_t chunk = first; chunk < last; ++chunk) {
        float* gw = want_w ? partial.data_ptr<float>() + chunk * k * k * C : nullptr;
        for (int64_t n = chunk * kImagesPerChunk; n < std::min(N, (chunk + 1) * kImagesPerChunk); ++n)
          backward_image(g.data_ptr<float>() + n * OH * OW * C, x.data_ptr<float>() + n * H * W * C,
                         w_taps.data_ptr<float>(), want_x ? grad_x.data_ptr<float>() + n * H * W * C : nullptr, gw,
                         C, H, W, OH, OW, k, stride, padding);
      }
    });
    torch::Tensor grad_w;
    if (want_w) {
      torch::Tensor sum = partial[0].clone();  // chunks added in order: no dependence on threads
      for (int64_t chunk = 1; chunk < chunks; ++chunk) sum.add_(partial[chunk]);
      grad_w = sum.t().reshape({C, 1, k, k}).to(saved[1].scalar_type());
    }
    if (want_x) grad_x = grad_x.to(saved[0].scalar_type());
    return {grad_x, grad_w, torch::Tensor(), torch::Tensor()};
  }
};

}  // namespace

bool is_depthwise(const torch::Tensor& x, const torch::Tensor& weight, int64_t groups) {
  return x.dim() == 4 && weight.dim() == 4 && groups > 1 && groups == x.size(1) && weight.size(0) == groups &&
         weight.size(1) == 1 && weight.size(2) == weight.size(3);
}

torch::Tensor depthwise_conv2d(const torch::Tensor& x, const torch::Tensor& weight, int64_t stride, int64_t padding) {
  TORCH_CHECK(is_depthwise(x, weight, x.size(1)), "depthwise_conv2d: weight ", weight.sizes(),
              " is not one square filter per channel of input ", x.sizes());
  const bool grads = torch::GradMode::is_enabled() && (x.requires_grad() || weight.requires_grad());
  if (!grads || x.scalar_type() != torch::kFloat || weight.scalar_type() != torch::kFloat)
    return torch::conv2d(x, weight, {}, stride, padding, 1, x.size(1));
  return DepthwiseConv::apply(x, weight, stride, padding);
}

torch::Tensor conv2d_or_depthwise(const torch::Tensor& x, const torch::Tensor& weight, const torch::Tensor& bias,
                                  torch::ExpandingArray<2> stride, torch::ExpandingArray<2> padding,
                                  torch::ExpandingArray<2> dilation, int64_t groups) {
  const auto &s = *stride, &p = *padding, &d = *dilation;
  if (s[0] == s[1] && p[0] == p[1] && d[0] == 1 && d[1] == 1 && !bias.defined() && is_depthwise(x, weight, groups))
    return depthwise_conv2d(x, weight, s[0], p[0]);
  return torch::conv2d(x, weight, bias, stride, padding, dilation, groups);
}

torch::Tensor conv_forward(torch::nn::Conv2d& conv, const torch::Tensor& x) {
  const auto& o = conv->options;
  const auto* padding = c10::get_if<torch::ExpandingArray<2>>(&o.padding());
  if (!padding || !c10::holds_alternative<torch::enumtype::kZeros>(o.padding_mode())) return conv->forward(x);
  const torch::Tensor bias = o.bias() ? conv->bias : torch::Tensor();
  return conv2d_or_depthwise(x, conv->weight, bias, o.stride(), *padding, o.dilation(), o.groups());
}

}  // namespace apq
