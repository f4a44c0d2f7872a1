// A finalized network as a TorchScript file: `torch.jit.load(path)` opens it in plain Python
// (python3-torch, no code from this project) and computes what the project's own quantized
// evaluation computes. Torch-free header (pipeline/ writes the files; kernels/ builds them).
//
// The module takes images as pixel values 0..255 ([N, C, H, W], uint8 or float) and returns
// logits [N, classes]:
//   forward(images)        the fake-quantized network (weights and activations as in fine-tuning)
//   forward_float(images)  the same weights without any quantization
// Attributes: arch and policy (the project's text forms), input_mean / input_stddev (of pixel / 255).
// Parameters are flat: "<layer>_weight" (float), "<layer>_weight_q" (fake-quantized) and
// "<layer>_alpha" (activation range), with layer names from the state dict ("blocks.0.dw" ->
// "blocks_0_dw").
#pragma once
#include <string>

#include "base/named_arrays.hpp"
#include "kernels/search_space.hpp"

namespace apq {

struct ModelExport {
  Arch arch;
  Policy policy;
  std::string arch_text, policy_text;
  NamedArrays state_dict;  // the fine-tuned QuantSubnet's parameters and buffers (no prefix)
  float input_mean = 0.0f, input_stddev = 1.0f;
  bool per_tensor_weights = false;
};

// Writes path through "<path>.tmp" and a rename. Throws std::invalid_argument when the state dict
// does not fit the arch and policy.
void write_torchscript_model(const SearchSpace& space, const ModelExport& model, const std::string& path);

}  // namespace apq
