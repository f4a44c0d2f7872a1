// Torch modules and optimizer state <-> io's NamedArrays, so checkpoints are written by io without
// LibTorch. Array names are "<prefix><name>" with the module's named_parameters() and
// named_buffers() names ("blocks.3.dw.weight"); values are in logical (NCHW, row-major) order
// whatever the tensor's memory format. Torch header.
#pragma once
#include <torch/torch.h>

#include <string>

#include "base/named_arrays.hpp"
#include "kernels/nesterov_sgd.hpp"

namespace apq {

NamedArray to_named_array(const std::string& name, const torch::Tensor& tensor);
torch::Tensor from_named_array(const NamedArray& array);  // float tensor of the array's shape

// The array called name; throws std::invalid_argument naming it when missing.
const NamedArray& find_array(const NamedArrays& arrays, const std::string& name);
const NamedArray* find_array_or_null(const NamedArrays& arrays, const std::string& name);

// Parameters, then buffers.
void append_module_state(const torch::nn::Module& module, const std::string& prefix, NamedArrays& out);
// Copies every parameter and buffer of module from arrays (keeping each tensor's memory format);
// throws on a missing array or a shape mismatch, before changing anything.
void load_module_state(torch::nn::Module& module, const std::string& prefix, const NamedArrays& arrays);

// Momentum buffers, named after their parameters.
void append_optimizer_state(const NesterovSgd& sgd, const std::string& prefix, NamedArrays& out);
void load_optimizer_state(NesterovSgd& sgd, const std::string& prefix, const NamedArrays& arrays);

}  // namespace apq
