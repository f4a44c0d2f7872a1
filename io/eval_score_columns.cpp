#include "io/eval_score_columns.hpp"

namespace apq {
namespace {

// One field of an EvalScore: its column, how to take it out of a score and how to put it back.
struct ScoreField {
  ColumnSpec column;
  double (*get)(const EvalScore&);
  void (*set)(EvalScore&, double);
};

std::int64_t as_count(double v) { return static_cast<std::int64_t>(v); }

const std::vector<ScoreField>& score_fields() {
  using h5::DType;
  static const std::vector<ScoreField> fields = {
      {{"accuracy", DType::f64, 0, "fraction"}, [](const EvalScore& s) { return s.top1; },
       [](EvalScore& s, double v) { s.top1 = v; }},
      {{"loss", DType::f64, 0, "mean cross-entropy"}, [](const EvalScore& s) { return s.loss; },
       [](EvalScore& s, double v) { s.loss = v; }},
      {{"images", DType::i64, 0, "images"}, [](const EvalScore& s) { return double(s.images); },
       [](EvalScore& s, double v) { s.images = as_count(v); }},
      {{"even_images", DType::i64, 0, "images"}, [](const EvalScore& s) { return double(s.even.images); },
       [](EvalScore& s, double v) { s.even.images = as_count(v); }},
      {{"even_correct", DType::i64, 0, "images"}, [](const EvalScore& s) { return double(s.even.correct); },
       [](EvalScore& s, double v) { s.even.correct = as_count(v); }},
      {{"even_loss", DType::f64, 0, "mean cross-entropy"}, [](const EvalScore& s) { return s.even.loss; },
       [](EvalScore& s, double v) { s.even.loss = v; }},
      {{"odd_images", DType::i64, 0, "images"}, [](const EvalScore& s) { return double(s.odd.images); },
       [](EvalScore& s, double v) { s.odd.images = as_count(v); }},
      {{"odd_correct", DType::i64, 0, "images"}, [](const EvalScore& s) { return double(s.odd.correct); },
       [](EvalScore& s, double v) { s.odd.correct = as_count(v); }},
      {{"odd_loss", DType::f64, 0, "mean cross-entropy"}, [](const EvalScore& s) { return s.odd.loss; },
       [](EvalScore& s, double v) { s.odd.loss = v; }},
  };
  return fields;
}

}  // namespace

std::vector<ColumnSpec> eval_score_columns() {
  std::vector<ColumnSpec> columns;
  for (const auto& f : score_fields()) columns.push_back(f.column);
  return columns;
}

void append_eval_scores(h5::Group& items, const std::vector<EvalScore>& scores) {
  for (const auto& f : score_fields()) {
    if (f.column.type == h5::DType::i64) {
      std::vector<std::int64_t> column;
      for (const auto& s : scores) column.push_back(as_count(f.get(s)));
      items.open_table(f.column.name).append<std::int64_t>(column);
    } else {
      std::vector<double> column;
      for (const auto& s : scores) column.push_back(f.get(s));
      items.open_table(f.column.name).append<double>(column);
    }
  }
}

std::vector<EvalScore> read_eval_scores(const h5::Group& items, std::int64_t rows) {
  std::vector<EvalScore> scores(static_cast<std::size_t>(rows));
  for (const auto& f : score_fields()) {
    const auto column = read_column<double>(items, f.column.name, rows);  // HDF5 converts the counts
    for (std::size_t i = 0; i < scores.size(); ++i) f.set(scores[i], column[i]);
  }
  return scores;
}

}  // namespace apq
