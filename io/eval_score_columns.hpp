// The columns of an EvalScore in a dataset's /items group: accuracy, loss, images, and each
// half's images, correct count and loss. Records that hold a score take these as their own
// fields with part_fields(eval_score_fields(), &Record::score).
#pragma once
#include "base/eval_score.hpp"
#include "io/record_fields.hpp"

namespace apq {

const RecordFields<EvalScore>& eval_score_fields();

}  // namespace apq
