// Weight-shared layers of the elastic supernet. Each holds the weights of its largest form and
// runs a smaller form by slicing (first N channels) or, for depthwise kernels, by transforming
// the centre of the largest kernel. Torch header: for kernels/, tests and bench only.
#pragma once
#include <torch/torch.h>

#include <vector>

namespace apq {

constexpr auto kChannelsLast = at::MemoryFormat::ChannelsLast;

// The first `count` entries of t along dim: t itself when that is all of it.
torch::Tensor leading(const torch::Tensor& t, int64_t dim, int64_t count);

// A weight derived from parameters (a slice made contiguous, a transformed kernel), kept while
// autograd is off (evaluation, BN re-calibration) so every batch does not derive it again. The
// kept tensor is reused while the shape arguments and every source's storage and version counter
// (bumped by each in-place change: an optimizer step, a checkpoint load, a channel re-ordering)
// are unchanged. With autograd on it is derived every time, so gradients flow to the sources.
class DerivedWeight {
 public:
  template <class Make>
  torch::Tensor get(const std::vector<const torch::Tensor*>& sources, int64_t a, int64_t b, Make&& make) {
    if (at::GradMode::is_enabled()) return make();
    auto key = make_key(sources, a, b);
    if (!kept_.defined() || key != key_) {
      kept_ = make();
      key_ = std::move(key);
    }
    return kept_;
  }

 private:
  static std::vector<int64_t> make_key(const std::vector<const torch::Tensor*>& sources, int64_t a, int64_t b);

  torch::Tensor kept_;
  std::vector<int64_t> key_;
};

// BatchNorm over the first channels of x (x.size(1) of at most max_channels), with the
// functional batch_norm on slices of weight, bias and running statistics.
//
// Running statistics are not updated inside forward(): while tracking is on, a training forward
// adds its batch mean and unbiased variance to per-channel sums, and apply_running_update()
// later folds the mean over all micro-batches of a step into the running statistics. The sums
// can be all-reduced across data-parallel ranks in between, so every rank ends with the
// statistics a single rank would compute (ghost batch norm with a rank-independent update).
class ElasticBatchNorm : public torch::nn::Module {
 public:
  explicit ElasticBatchNorm(int64_t max_channels, double momentum = 0.1, double eps = 1e-5);

  torch::Tensor forward(const torch::Tensor& x);

  // Channels whose statistics the next apply_running_update() touches (0: layer unused).
  void set_active_channels(int64_t channels);
  int64_t active_channels() const { return active_channels_; }
  void set_track_stats(bool on) { track_stats_ = on; }

  // [mean sums | variance sums], 2 * max_channels values, for all-reduce.
  torch::Tensor& stat_sums() { return stat_sums_; }
  // running = (1 - momentum) * running + momentum * sums / micro_batches; then clears the sums.
  void apply_running_update(int64_t micro_batches);
  void clear_stat_sums();

  int64_t max_channels() const { return max_channels_; }
  double momentum() const { return momentum_; }
  double eps() const { return eps_; }

  torch::Tensor weight, bias, running_mean, running_var;

 private:
  int64_t max_channels_;
  double momentum_, eps_;
  int64_t active_channels_;
  bool track_stats_ = false;
  torch::Tensor stat_sums_;  // not a buffer: transient, zero between steps
};

// kxk depthwise conv with elastic channels and kernel size. Smaller kernels come from the
// centre of the next larger one passed through a learned (k*k x k*k) matrix shared by all
// channels (7 -> 5 -> 3 chained, as in once-for-all); the matrices start at identity.
class ElasticDepthwiseConv : public torch::nn::Module {
 public:
  ElasticDepthwiseConv(int64_t max_channels, std::vector<int> kernels, int stride);

  // The effective [channels, 1, k, k] weight (differentiable w.r.t. weight and transforms).
  torch::Tensor kernel_weight(int64_t channels, int kernel) const;
  torch::Tensor forward(const torch::Tensor& x, int kernel);

  int stride() const { return stride_; }
  int max_kernel() const { return kernels_.back(); }
  const std::vector<int>& kernels() const { return kernels_; }

  torch::Tensor weight;                   // [max_channels, 1, kmax, kmax]
  std::vector<torch::Tensor> transforms;  // transforms[i]: (k_i^2 x k_i^2), i < kernels.size() - 1

 private:
  std::vector<int> kernels_;  // ascending
  int stride_;
  std::vector<torch::Tensor> centre_selections_;  // [i]: crop of kernels[i] from kernels[i + 1], constant
  DerivedWeight active_weight_;
};

// 1x1 conv using the first out_channels filters and the first x.size(1) input channels.
class ElasticPointwiseConv : public torch::nn::Module {
 public:
  ElasticPointwiseConv(int64_t max_in, int64_t max_out);
  torch::Tensor forward(const torch::Tensor& x, int64_t out_channels);
  // The sliced [out, in, 1, 1] weight, channels-last.
  torch::Tensor sliced_weight(int64_t in_channels, int64_t out_channels) const;

  torch::Tensor weight;  // [max_out, max_in, 1, 1]

 private:
  DerivedWeight active_weight_;
};

// Inverted residual block with elastic kernel and expanded width:
// 1x1 expand -> BN -> ReLU6 -> kxk depthwise -> BN -> ReLU6 -> 1x1 project -> BN (+ input).
class ElasticMBConv : public torch::nn::Module {
 public:
  ElasticMBConv(int64_t in_channels, int64_t out_channels, int64_t max_mid, std::vector<int> kernels, int stride);

  void set_active(int kernel, int64_t mid);  // mid 0: the block is skipped by the depth choice
  torch::Tensor forward(const torch::Tensor& x);

  bool residual() const { return residual_; }
  int64_t in_channels() const { return in_; }
  int64_t out_channels() const { return out_; }
  int64_t max_mid() const { return max_mid_; }
  int active_kernel() const { return kernel_; }
  int64_t active_mid() const { return mid_; }

  std::shared_ptr<ElasticPointwiseConv> expand;
  std::shared_ptr<ElasticBatchNorm> expand_bn;
  std::shared_ptr<ElasticDepthwiseConv> dw;
  std::shared_ptr<ElasticBatchNorm> dw_bn;
  std::shared_ptr<ElasticPointwiseConv> project;
  std::shared_ptr<ElasticBatchNorm> project_bn;

 private:
  int64_t in_, out_, max_mid_;
  bool residual_;
  int kernel_;
  int64_t mid_;
};

// Converts every 4-D parameter to channels-last in place (Module::to has no memory-format form).
void weights_to_channels_last(torch::nn::Module& module);

}  // namespace apq
