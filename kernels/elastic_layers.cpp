#include "kernels/elastic_layers.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "kernels/depthwise_conv.hpp"

namespace apq {

// ---------------------------------------------------------------- DerivedWeight

std::vector<int64_t> DerivedWeight::make_key(const std::vector<const torch::Tensor*>& sources, int64_t a, int64_t b) {
  std::vector<int64_t> key{a, b};
  for (const auto* t : sources) {
    key.push_back(reinterpret_cast<int64_t>(t->data_ptr()));
    key.push_back(t->_version());
  }
  return key;
}

torch::Tensor leading(const torch::Tensor& t, int64_t dim, int64_t count) {
  // A slice, even a whole one, adds a SliceBackward that zero-fills a full-size gradient.
  return count == t.size(dim) ? t : t.slice(dim, 0, count);
}

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
  const auto w = leading(weight, 0, c);
  const auto b = leading(bias, 0, c);
  if (!is_training())
    return torch::batch_norm(x, w, b, leading(running_mean, 0, c), leading(running_var, 0, c), false, momentum_, eps_, false);
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

namespace {

// The (outer^2 x inner^2) 0/1 matrix that picks the centre inner x inner of a flattened
// outer x outer kernel: flat_outer.mm(select) is the flattened centre crop.
torch::Tensor centre_selection(int outer, int inner) {
  auto select = torch::zeros({outer * outer, inner * inner});
  const int offset = (outer - inner) / 2;
  for (int r = 0; r < inner; ++r)
    for (int c = 0; c < inner; ++c) select[(r + offset) * outer + c + offset][r * inner + c] = 1.0f;
  return select;
}

}  // namespace

ElasticDepthwiseConv::ElasticDepthwiseConv(int64_t max_channels, std::vector<int> kernels, int stride)
    : kernels_(std::move(kernels)), stride_(stride) {
  if (kernels_.empty()) throw std::invalid_argument("depthwise conv: no kernel sizes");
  std::sort(kernels_.begin(), kernels_.end());
  const int kmax = kernels_.back();
  weight = register_parameter("weight", torch::zeros({max_channels, 1, kmax, kmax}));
  for (std::size_t i = 0; i + 1 < kernels_.size(); ++i) {
    const int k = kernels_[i];
    transforms.push_back(register_parameter("transform_" + std::to_string(k), torch::eye(k * k)));
    centre_selections_.push_back(centre_selection(kernels_[i + 1], k));
  }
}

torch::Tensor ElasticDepthwiseConv::kernel_weight(int64_t channels, int kernel) const {
  const auto it = std::find(kernels_.begin(), kernels_.end(), kernel);
  if (it == kernels_.end()) throw std::invalid_argument("depthwise conv: kernel " + std::to_string(kernel) + " is not a choice");
  const int target = static_cast<int>(it - kernels_.begin());
  const auto w = leading(weight, 0, channels);
  if (target + 1 == static_cast<int>(kernels_.size())) return w;
  // The chain crop -> transform -> crop -> transform (7 -> 5 -> 3) is linear in the largest
  // kernel, so it folds into one (kmax^2 x k^2) matrix built from the small transforms: the
  // per-channel work is then one matrix product instead of a crop and a product per step.
  // Row-vector convention: each channel's flattened kernel times the transposed transform.
  torch::Tensor chain;
  for (int i = static_cast<int>(kernels_.size()) - 2; i >= target; --i) {
    const auto step = centre_selections_[i].mm(transforms[i].t());
    chain = chain.defined() ? chain.mm(step) : step;
  }
  const int kmax = kernels_.back();
  return w.reshape({channels, kmax * kmax}).mm(chain).reshape({channels, 1, kernel, kernel});
}

torch::Tensor ElasticDepthwiseConv::forward(const torch::Tensor& x, int kernel) {
  const int64_t c = x.size(1);
  std::vector<const torch::Tensor*> sources{&weight};
  for (const auto& t : transforms) sources.push_back(&t);
  const auto w = active_weight_.get(sources, c, kernel, [&] { return kernel_weight(c, kernel).contiguous(kChannelsLast); });
  return depthwise_conv2d(x, w, stride_, kernel / 2);
}

// ---------------------------------------------------------------- ElasticPointwiseConv

ElasticPointwiseConv::ElasticPointwiseConv(int64_t max_in, int64_t max_out) {
  weight = register_parameter("weight", torch::zeros({max_out, max_in, 1, 1}));
}

torch::Tensor ElasticPointwiseConv::sliced_weight(int64_t in_channels, int64_t out_channels) const {
  // contiguous: a no-op unless the input channels were sliced
  return leading(leading(weight, 0, out_channels), 1, in_channels).contiguous(kChannelsLast);
}

torch::Tensor ElasticPointwiseConv::forward(const torch::Tensor& x, int64_t out_channels) {
  const int64_t in = x.size(1);
  return torch::conv2d(x, active_weight_.get({&weight}, in, out_channels, [&] { return sliced_weight(in, out_channels); }));
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
