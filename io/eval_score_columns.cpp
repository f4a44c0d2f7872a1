#include "io/eval_score_columns.hpp"

namespace apq {
namespace {

// A column of one member of a half (even or odd) of the score.
template <class T>
RecordField<EvalScore> half_field(const std::string& name, HalfScore EvalScore::*half, T HalfScore::*member,
                                  const std::string& units) {
  return mapped_field<T, EvalScore>(
      name, units, [=](const EvalScore& s) { return s.*half.*member; }, [=](EvalScore& s, T v) { s.*half.*member = v; });
}

}  // namespace

const RecordFields<EvalScore>& eval_score_fields() {
  static const RecordFields<EvalScore> fields = {
      field("accuracy", &EvalScore::top1, "fraction"),
      field("loss", &EvalScore::loss, "mean cross-entropy"),
      field("images", &EvalScore::images, "images"),
      half_field("even_images", &EvalScore::even, &HalfScore::images, "images"),
      half_field("even_correct", &EvalScore::even, &HalfScore::correct, "images"),
      half_field("even_loss", &EvalScore::even, &HalfScore::loss, "mean cross-entropy"),
      half_field("odd_images", &EvalScore::odd, &HalfScore::images, "images"),
      half_field("odd_correct", &EvalScore::odd, &HalfScore::correct, "images"),
      half_field("odd_loss", &EvalScore::odd, &HalfScore::loss, "mean cross-entropy"),
  };
  return fields;
}

}  // namespace apq
