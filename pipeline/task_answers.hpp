// The typed answers of the pipeline's work-item tasks (carried in WorkResult::answer, see
// actors/payload.hpp): what a worker measured for one item, by name, never by position.
#pragma once
#include <cstdint>

#include "actors/payload.hpp"
#include "base/eval_score.hpp"
#include "io/named_arrays.hpp"

namespace apq {

// collect-fp: the subnet's full-precision validation score.
struct FpAnswer {
  static constexpr std::uint32_t type_id = 101;
  static constexpr const char* type_name = "apq.FpAnswer";
  EvalScore score;
};

// collect-quant: the quantized, fine-tuned subnet's score, and the same subnet unquantized.
struct QuantAnswer {
  static constexpr std::uint32_t type_id = 102;
  static constexpr const char* type_name = "apq.QuantAnswer";
  EvalScore quant;
  EvalScore fp;
};

// finalize: validation and test scores of the fine-tuned network, and its weights.
struct FinalAnswer {
  static constexpr std::uint32_t type_id = 103;
  static constexpr const char* type_name = "apq.FinalAnswer";
  EvalScore val;
  EvalScore test;
  NamedArrays weights;  // the state dict
  float input_mean = 0.0f, input_stddev = 1.0f;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, HalfScore& x) {
  return f(x.images, x.correct, x.loss);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, EvalScore& x) {
  return f(x.top1, x.loss, x.images, x.even, x.odd);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, NamedArray& x) {
  return f(x.name, x.shape, x.values);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FpAnswer& x) {
  return f(x.score);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QuantAnswer& x) {
  return f(x.quant, x.fp);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, FinalAnswer& x) {
  return f(x.val, x.test, x.weights, x.input_mean, x.input_stddev);
}

}  // namespace apq
