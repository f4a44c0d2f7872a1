#include "io/report_store.hpp"

#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/record_fields.hpp"

namespace apq {
namespace {

const RecordFields<CurvePoint>& curve_fields() {
  using P = CurvePoint;
  static const RecordFields<P> fields = {field("method", &P::method),           field("pairs", &P::pairs, "pairs"),
                                         field("seed", &P::seed),               field("kendall_tau", &P::kendall_tau),
                                         field("rmse", &P::rmse, "fraction"),   field("pearson", &P::pearson)};
  return fields;
}

const RecordFields<ReportRow>& row_fields() {
  using R = ReportRow;
  static const RecordFields<R> fields = {field("scenario", &R::scenario),
                                         field("search_mode", &R::search_mode),
                                         field("budget_latency_ms", &R::budget_latency_ms, "ms"),
                                         field("budget_energy_mj", &R::budget_energy_mj, "mJ"),
                                         field("budget_bitops", &R::budget_bitops, "bit operations"),
                                         field("method", &R::method),
                                         field("rank", &R::rank),
                                         field("predicted_accuracy", &R::predicted_accuracy, "fraction"),
                                         field("predicted_stddev", &R::predicted_stddev, "fraction"),
                                         field("val_accuracy", &R::val_accuracy, "fraction"),
                                         field("test_accuracy", &R::test_accuracy, "fraction"),
                                         field("latency_ms", &R::latency_ms, "ms"),
                                         field("energy_mj", &R::energy_mj, "mJ"),
                                         field("bitops", &R::bitops, "bit operations"),
                                         field("val_images", &R::val_images, "images"),
                                         field("test_images", &R::test_images, "images")};
  return fields;
}

// Columns added after report.h5 files existed (read when present).
const RecordFields<ReportRow>& later_row_fields() {
  using R = ReportRow;
  static const RecordFields<R> fields = {
      field("label_recipe_val_accuracy", &R::label_recipe_val_accuracy, "fraction"),
      field("forecast_val_accuracy", &R::forecast_val_accuracy, "fraction"),
      field("forecast_stddev", &R::forecast_stddev, "fraction")};
  return fields;
}

const RecordFields<ReportRow>& all_row_fields() {
  static const RecordFields<ReportRow> fields = joined(row_fields(), later_row_fields());
  return fields;
}

}  // namespace

void write_report(const std::string& path, const ReportFile& report) {
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::report, report.meta);
  const TransferCurve& c = report.curve;
  create_columns(file, "transfer_curve", columns_of(curve_fields()));
  h5::Group curve = file.open_group("transfer_curve");
  curve.set_int_attr("heldout", c.heldout);
  curve.set_string_attr("label_target", c.label_target);
  curve.set_int_attr("label_items", c.label_items);
  curve.set_double_attr("label_split_half_tau", c.label_split_half_tau);
  curve.set_double_attr("label_reliability", c.label_reliability);
  curve.set_double_attr("label_tau_ceiling", c.label_tau_ceiling);
  append_records(curve, curve_fields(), c.points);

  create_columns(file, "finalized", columns_of(all_row_fields()));
  h5::Group rows = file.open_group("finalized");
  append_records(rows, all_row_fields(), report.rows);
  file.commit();
}

ReportFile read_report(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::report) throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::report);
  ReportFile out;
  out.meta = read_run_meta(file);
  const h5::Group curve = file.open_group("transfer_curve");
  const auto curve_columns = columns_of(curve_fields());
  check_columns(curve, curve_columns);
  TransferCurve& c = out.curve;
  c.heldout = curve.int_attr("heldout");
  c.label_target = curve.string_attr("label_target");
  c.label_items = curve.int_attr("label_items");
  c.label_split_half_tau = curve.double_attr("label_split_half_tau");
  c.label_reliability = curve.double_attr("label_reliability");
  c.label_tau_ceiling = curve.double_attr("label_tau_ceiling");
  c.points = read_records(curve, curve_fields(), complete_rows(curve, curve_columns));

  const h5::Group rows = file.open_group("finalized");
  const auto row_columns = columns_of(row_fields());
  check_columns(rows, row_columns);
  out.rows = read_records(rows, row_fields(), complete_rows(rows, row_columns));
  read_later_records(rows, later_row_fields(), out.rows);
  return out;
}

}  // namespace apq
