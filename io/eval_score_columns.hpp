// The columns of an EvalScore in a dataset's /items group: one field list that the writer and
// the reader both use (accuracy, loss, images, and each half's images, correct count and loss).
#pragma once
#include <cstdint>
#include <vector>

#include "base/eval_score.hpp"
#include "io/item_columns.hpp"

namespace apq {

std::vector<ColumnSpec> eval_score_columns();
// Appends one row per score to each of eval_score_columns() in `items` (one write per column).
void append_eval_scores(h5::Group& items, const std::vector<EvalScore>& scores);
// The first `rows` rows.
std::vector<EvalScore> read_eval_scores(const h5::Group& items, std::int64_t rows);

}  // namespace apq
