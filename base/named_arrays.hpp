// Named float arrays (model weights, optimizer state) without LibTorch: how torch-free code
// (actors, checkpoints, stores) holds tensors that kernels/ converts to and from at::Tensor.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace apq {

struct NamedArray {
  std::string name;
  std::vector<std::int64_t> shape;  // {} is a scalar
  std::vector<float> values;        // row-major, product(shape) values
};
using NamedArrays = std::vector<NamedArray>;

}  // namespace apq
