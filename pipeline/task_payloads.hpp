// The typed inputs and answers of the pipeline's work-item tasks (WorkItem::input and
// WorkResult::answer, see actors/payload.hpp): what a worker is asked to measure and what it
// measured, by name, never by position. Architectures and policies cross ranks as their value
// types; the worker checks them against its space.
#pragma once
#include <cstdint>

#include "actors/payload.hpp"
#include "base/eval_score.hpp"
#include "io/named_arrays.hpp"
#include "kernels/search_space.hpp"

namespace apq {

// collect-fp's input: the subnet to score at full precision.
struct SubnetTask {
  static constexpr std::uint32_t type_id = 111;
  static constexpr const char* type_name = "apq.SubnetTask";
  Arch arch;
};

// collect-quant's and finalize's input: the subnet and its mixed-precision policy.
struct QuantizedSubnetTask {
  static constexpr std::uint32_t type_id = 112;
  static constexpr const char* type_name = "apq.QuantizedSubnetTask";
  Arch arch;
  Policy policy;
};

// collect-fp: the subnet's full-precision validation score.
struct FpAnswer {
  static constexpr std::uint32_t type_id = 101;
  static constexpr const char* type_name = "apq.FpAnswer";
  EvalScore score;
};

// collect-quant: the quantized, fine-tuned subnet's score, and the same subnet unquantized when
// collect-quant.fp-accuracy asks for it (else, and for finalize-gain, fp.images = 0: not measured).
struct QuantAnswer {
  static constexpr std::uint32_t type_id = 102;
  static constexpr const char* type_name = "apq.QuantAnswer";
  EvalScore quant;
  EvalScore fp;
};

// finalize: validation and test scores of the fine-tuned network, and its weights; and the
// validation score of the same subnet measured exactly as collect-quant measures a label (what
// the predictor predicts).
struct FinalAnswer {
  static constexpr std::uint32_t type_id = 103;
  static constexpr const char* type_name = "apq.FinalAnswer";
  EvalScore val;
  EvalScore test;
  EvalScore label_recipe;
  NamedArrays weights;  // the state dict
  float input_mean = 0.0f, input_stddev = 1.0f;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Arch& x) {
  return f(x.depth, x.kernel, x.mid);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, BlockBits& x) {
  return f(x.pw_w, x.pw_a, x.dw_w, x.dw_a);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Policy& x) {
  return f(x.blocks);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, SubnetTask& x) {
  return f(x.arch);
}
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, QuantizedSubnetTask& x) {
  return f(x.arch, x.policy);
}
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
  return f(x.val, x.test, x.label_recipe, x.weights, x.input_mean, x.input_stddev);
}

}  // namespace apq
