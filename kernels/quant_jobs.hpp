// Torch-free facade of quantization for actors/ and pipeline/: one quantized-accuracy work item
// (stage 3 of APQ) is extract arch from the supernet, apply the policy, calibrate (BN statistics,
// then activation ranges), fine-tune briefly with fake quantization, evaluate top-1.
// Implemented in kernels/quant_subnet.cpp. See docs/QUANTIZATION.md.
#pragma once
#include <cstdint>

#include "base/image_set.hpp"
#include "kernels/search_space.hpp"
#include "kernels/supernet_jobs.hpp"

namespace apq {

struct QuantJobConfig {
  int bn_images = 1000;        // training images for BN re-estimation (before and after fine-tuning)
  int calib_images = 256;      // training images for activation ranges (max >= 5 bits, KL below)
  int calib_batch = 256;
  int finetune_steps = 100;    // 0: calibrate only
  int batch_size = 64;
  double lr = 0.005;           // peak of a cosine decay over finetune_steps; SGD Nesterov
  double momentum = 0.9;
  double weight_decay = 4e-5;
  bool augment = false;
  int finetune_images = 0;     // images the fine-tune draws from (0: steps x batch, capped)
  int eval_batch = 500;
  int eval_images = 0;         // 0: the whole validation split
  bool per_tensor_weights = false;  // default: per output channel
};

// Top-1, loss and the halves of the evaluated images (io/eval_score.hpp), and the fine-tune's speed.
struct QuantScore : EvalScore {
  double finetune_images_per_second = 0.0;
};

// Does not change the supernet (several fine-tuners may share a handle while nobody trains it).
// Deterministic for a seed (given the number of LibTorch threads). Throws std::invalid_argument
// when arch or policy does not fit the supernet's space or the config is out of range.
// `images` as score_subnet's.
QuantScore score_quantized(const SupernetHandle& net, const Arch& arch, const Policy& policy, const ImageSet& train,
                           const ImageSet& val, const QuantJobConfig& config, std::uint64_t seed,
                           PreparedImages* images = nullptr);

// The final fine-tune of a searched candidate: the same as score_quantized on `val`, and the
// same fine-tuned network scored once on `test`; its weights are returned for final.h5.
struct FinalQuantScore {
  QuantScore val;
  QuantScore test;
  NamedArrays weights;  // state dict of the fake-quantized network (its parameter and buffer names)
  float input_mean = 0.0f, input_stddev = 1.0f;  // the normalisation its input takes (of pixel / 255)
};
FinalQuantScore finalize_quantized(const SupernetHandle& net, const Arch& arch, const Policy& policy,
                                   const ImageSet& train, const ImageSet& val, const ImageSet& test,
                                   const QuantJobConfig& config, std::uint64_t seed, PreparedImages* images = nullptr);

}  // namespace apq
