// The arithmetic of inference passes that may trade exactness for speed: the predictor's hidden
// GEMMs (kernels/predictor.hpp) and collect-fp's label evaluation (kernels/supernet_jobs.hpp).
// Torch-free.
#pragma once
#include <string>

namespace apq {

// fp32: exact single precision (the default). bf16: bfloat16 inputs and weights with fp32
// accumulation (oneDNN), faster on CPUs with AVX512-BF16.
enum class InferencePrecision { fp32, bf16 };

// Whether this CPU has native bfloat16 dot products (AVX512-BF16).
bool bf16_inference_supported();

// "fp32" or "bf16"; throws std::invalid_argument otherwise.
InferencePrecision parse_inference_precision(const std::string& text);

}  // namespace apq
