#include "kernels/elastic_layers.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace apq {

// ---------------------------------------------------------------- ElasticBatchNorm

ElasticBatchNorm::ElasticBatchNorm(int64_t max_channels, double momentum, double eps)
    : max_channels_(max_channels), momentum_(momentum), eps_(eps), active_channels_(max_channels) {
  weight = register_parameter("weight", torch::ones({max_channels}));
  bias = register_parameter("bias", torch::zeros({max_channels}));
  running_mean = register_buffer("running_mean", torch::zeros({max_channels}));
  running_var = register_buffer("running_var", torch::ones({max_channels}));
  stat_sums_ = torch::zeros({2 * max_channels});
}

torch::Tensor ElasticBatchNorm::forward(const torch::Tensor& x) {
  const int64_t c = x.size(1);
  if (c > max_channels_)
    throw std::invalid_argument("batch norm: " + std::to_string(c) + " channels, at most " + std::to_string(max_channels_));
  const auto w = weight.slice(0, 0, c);
  const auto b = bias.slice(0, 0, c);
  if (!is_training())
    return torch::batch_norm(x, w, b, running_mean.slice(0, 0, c), running_var.slice(0, 0, c), false, momentum_, eps_, false);
  if (!track_stats_) return torch::batch_norm(x, w, b, {}, {}, true, momentum_, eps_, false);
  // native_batch_norm returns the batch mean and 1/sqrt(biased var + eps) for free.
  auto out = at::native_batch_norm(x, w, b, {}, {}, true, momentum_, eps_);
  torch::NoGradGuard no_grad;
  const double n = static_cast<double>(x.numel() / c);
  const auto& mean = std::get<1>(out);
  const auto& invstd = std::get<2>(out);
  const auto biased_var = invstd.pow(-2) - eps_;
  stat_sums_.slice(0, 0, c).add_(mean);
  stat_sums_.slice(0, max_channels_, max_channels_ + c).add_(biased_var, n > 1 ? n / (n - 1) : 1.0);
  return std::get<0>(out);
}

void ElasticBatchNorm::set_active_channels(int64_t channels) {
  if (channels < 0 || channels > max_channels_)
    throw std::invalid_argument("batch norm: active channels " + std::to_string(channels) + " outside 0.." + std::to_string(max_channels_));
  active_channels_ = channels;
}

void ElasticBatchNorm::apply_running_update(int64_t micro_batches) {
  torch::NoGradGuard no_grad;
  const int64_t c = active_channels_;
  if (c > 0 && micro_batches > 0) {
    const double scale = momentum_ / static_cast<double>(micro_batches);
    running_mean.slice(0, 0, c).mul_(1.0 - momentum_).add_(stat_sums_.slice(0, 0, c), scale);
    running_var.slice(0, 0, c).mul_(1.0 - momentum_).add_(stat_sums_.slice(0, max_channels_, max_channels_ + c), scale);
  }
  clear_stat_sums();
}

void ElasticBatchNorm::clear_stat_sums() { stat_sums_.zero_(); }

// ---------------------------------------------------------------- ElasticDepthwiseConv

ElasticDepthwiseConv::ElasticDepthwiseConv(int64_t max_channels, std::vector<int> kernels, int stride)
    : kernels_(std::move(kernels)), stride_(stride) {
  if (kernels_.empty()) throw std::invalid_argument("depthwise conv: no kernel sizes");
  std::sort(kernels_.begin(), kernels_.end());
  const int kmax = kernels_.back();
  weight = register_parameter("weight", torch::zeros({max_channels, 1, kmax, kmax}));
  for (std::size_t i = 0; i + 1 < kernels_.size(); ++i) {
    const int k = kernels_[i];
    transforms.push_back(register_parameter("transform_" + std::to_string(k), torch::eye(k * k)));
  }
}

torch::Tensor ElasticDepthwiseConv::kernel_weight(int64_t channels, int kernel) const {
  const auto it = std::find(kernels_.begin(), kernels_.end(), kernel);
  if (it == kernels_.end()) throw std::invalid_argument("depthwise conv: kernel " + std::to_string(kernel) + " is not a choice");
  const int target = static_cast<int>(it - kernels_.begin());
  auto w = weight.slice(0, 0, channels);
  int current = kernels_.back();
  for (int i = static_cast<int>(kernels_.size()) - 2; i >= target; --i) {
    const int k = kernels_[i];
    const int offset = (current - k) / 2;
    auto centre = w.slice(2, offset, offset + k).slice(3, offset, offset + k).reshape({channels, k * k});
    // Row-vector convention: each channel's flattened kernel times the transposed matrix.
    w = torch::matmul(centre, transforms[i].t()).reshape({channels, 1, k, k});
    current = k;
  }
  return w;
}

torch::Tensor ElasticDepthwiseConv::forward(const torch::Tensor& x, int kernel) {
  const int64_t c = x.size(1);
  const auto w = kernel_weight(c, kernel).contiguous(kChannelsLast);
  return torch::conv2d(x, w, {}, stride_, kernel / 2, 1, c);
}

// ---------------------------------------------------------------- ElasticPointwiseConv

ElasticPointwiseConv::ElasticPointwiseConv(int64_t max_in, int64_t max_out) {
  weight = register_parameter("weight", torch::zeros({max_out, max_in, 1, 1}));
}

torch::Tensor ElasticPointwiseConv::sliced_weight(int64_t in_channels, int64_t out_channels) const {
  auto w = weight;
  if (out_channels != weight.size(0)) w = w.slice(0, 0, out_channels);
  if (in_channels != weight.size(1)) w = w.slice(1, 0, in_channels);
  return w.contiguous(kChannelsLast);  // a no-op unless the input channels were sliced
}

torch::Tensor ElasticPointwiseConv::forward(const torch::Tensor& x, int64_t out_channels) {
  return torch::conv2d(x, sliced_weight(x.size(1), out_channels));
}

// ---------------------------------------------------------------- ElasticMBConv

ElasticMBConv::ElasticMBConv(int64_t in_channels, int64_t out_channels, int64_t max_mid, std::vector<int> kernels,
                             int stride)
    : in_(in_channels), out_(out_channels), max_mid_(max_mid), residual_(stride == 1 && in_channels == out_channels) {
  expand = register_module("expand", std::make_shared<ElasticPointwiseConv>(in_channels, max_mid));
  expand_bn = register_module("expand_bn", std::make_shared<ElasticBatchNorm>(max_mid));
  dw = register_module("dw", std::make_shared<ElasticDepthwiseConv>(max_mid, std::move(kernels), stride));
  dw_bn = register_module("dw_bn", std::make_shared<ElasticBatchNorm>(max_mid));
  project = register_module("project", std::make_shared<ElasticPointwiseConv>(max_mid, out_channels));
  project_bn = register_module("project_bn", std::make_shared<ElasticBatchNorm>(out_channels));
  kernel_ = dw->max_kernel();
  mid_ = max_mid;
}

void ElasticMBConv::set_active(int kernel, int64_t mid) {
  if (mid < 0 || mid > max_mid_)
    throw std::invalid_argument("block: width " + std::to_string(mid) + " outside 0.." + std::to_string(max_mid_));
  kernel_ = kernel;
  mid_ = mid;
  expand_bn->set_active_channels(mid);
  dw_bn->set_active_channels(mid);
  project_bn->set_active_channels(mid > 0 ? out_ : 0);
}

torch::Tensor ElasticMBConv::forward(const torch::Tensor& x) {
  auto h = torch::hardtanh(expand_bn->forward(expand->forward(x, mid_)), 0.0, 6.0);
  h = torch::hardtanh(dw_bn->forward(dw->forward(h, kernel_)), 0.0, 6.0);
  h = project_bn->forward(project->forward(h, out_));
  return residual_ ? h + x : h;
}

void weights_to_channels_last(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& p : module.parameters())
    if (p.dim() == 4) p.set_data(p.data().contiguous(kChannelsLast));
}

}  // namespace apq
