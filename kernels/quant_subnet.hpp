// A fake-quantized network built from a StaticSubnet and a Policy, its calibration,
// quantization-aware fine-tuning and evaluation. Torch header (kernels, tests, bench); actors use
// kernels/quant_jobs.hpp.
//
// Bits: per searchable block, pw_w / pw_a for the weights and input activations of both 1x1
// convs, dw_w / dw_a for the depthwise conv; the stem, the first block, the head 1x1 conv and the
// classifier stay at 8 bits. Inputs after ReLU6 use the unsigned quantizer; block inputs (outputs
// of a BN without ReLU, plus the residual) and the normalised image the signed one. BatchNorm
// stays in float (foldable into the per-channel weight scale on deployment); the residual add
// uses the float block input.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <functional>
#include <vector>

#include "kernels/batches.hpp"
#include "kernels/bn_calibration.hpp"
#include "kernels/quantizer.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet_jobs.hpp"

namespace apq {

struct QuantBlock {
  QConv2d expand{nullptr};
  torch::nn::BatchNorm2d expand_bn{nullptr};
  QConv2d dw{nullptr};
  torch::nn::BatchNorm2d dw_bn{nullptr};
  QConv2d project{nullptr};
  torch::nn::BatchNorm2d project_bn{nullptr};
  bool residual = false;
};

class QuantSubnet : public torch::nn::Module {
 public:
  // Deep-copies the source's weights and BN state; the source is not changed by fine-tuning.
  // Throws std::invalid_argument when the policy does not fit the space and the source's arch.
  QuantSubnet(const StaticSubnet& source, const SearchSpace& space, const Policy& policy,
              WeightGranularity granularity = WeightGranularity::per_channel);

  torch::Tensor forward(torch::Tensor x);
  const Policy& policy() const { return policy_; }

  QConv2d stem_conv{nullptr};
  torch::nn::BatchNorm2d stem_bn{nullptr};
  QConv2d first_dw{nullptr};
  torch::nn::BatchNorm2d first_dw_bn{nullptr};
  QConv2d first_pw{nullptr};
  torch::nn::BatchNorm2d first_pw_bn{nullptr};
  std::vector<QuantBlock> blocks;
  QConv2d head_conv{nullptr};
  torch::nn::BatchNorm2d head_bn{nullptr};
  QLinear classifier{nullptr};

 private:
  Policy policy_;
};

struct FinetuneConfig {
  int steps = 100;
  int batch_size = 64;
  double lr = 0.005;          // peak of a cosine decay to 0 over `steps`
  double momentum = 0.9;      // Nesterov
  double weight_decay = 4e-5; // conv and linear weights only (not BN, biases or alphas)
  bool augment = false;
};

struct FinetuneStats {
  int steps = 0;
  std::int64_t images = 0;
  double seconds = 0.0;
  double images_per_second = 0.0;
  double last_loss = 0.0;
};

// SGD (Nesterov) with cosine lr on cross-entropy, in train mode, over batches drawn from `data`
// by a BatchPlan seeded with `seed`. Works for any module (the float StaticSubnet too, which the
// benchmark uses as the baseline). Throws std::runtime_error on a non-finite loss.
FinetuneStats finetune(torch::nn::Module& module, const ForwardFn& forward, const ImageTensors& data,
                       const FinetuneConfig& config, std::uint64_t seed);

struct QuantEvalConfig {
  int bn_images = 1000;     // BN re-estimation before range calibration (and after fine-tuning)
  int calib_images = 256;   // activation range calibration
  int calib_batch = 256;
  FinetuneConfig finetune;  // steps = 0 skips fine-tuning
  int finetune_images = 0;  // images fine-tuning draws from (0: steps x batch, capped by the split)
  int eval_batch = 500;
  int eval_images = 0;      // 0: the whole split
  WeightGranularity granularity = WeightGranularity::per_channel;
};

struct QuantEvalResult {
  SubnetScore score;
  FinetuneStats finetune;
  SubnetScore test_score;  // on the optional test split (final reports only)
  NamedArrays weights;     // the fine-tuned network's state dict (parameters and buffers), when asked for
};

// BN statistics (activations unquantized), activation ranges, fine-tuning, BN statistics again,
// then top-1 on `val`. `source` is not changed.
// With `test`, the same fine-tuned network is also scored on it; with `keep_weights`, its
// parameters and buffers are returned (for final.h5).
QuantEvalResult quantize_and_evaluate(const StaticSubnet& source, const SearchSpace& space, const Policy& policy,
                                      const ImageSet& train, const ImageSet& val, Normalisation norm,
                                      const QuantEvalConfig& config, std::uint64_t seed,
                                      const ImageSet* test = nullptr, bool keep_weights = false,
                                      PreparedImages* images = nullptr);

}  // namespace apq
