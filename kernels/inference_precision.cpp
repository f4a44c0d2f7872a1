#include "kernels/inference_precision.hpp"

#include <stdexcept>

namespace apq {

bool bf16_inference_supported() { return __builtin_cpu_supports("avx512bf16"); }

InferencePrecision parse_inference_precision(const std::string& text) {
  if (text == "fp32") return InferencePrecision::fp32;
  if (text == "bf16") return InferencePrecision::bf16;
  throw std::invalid_argument("precision must be fp32 or bf16, not '" + text + "'");
}

}  // namespace apq
