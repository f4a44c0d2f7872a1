#include "io/report_store.hpp"

#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/item_columns.hpp"

namespace apq {
namespace {

using h5::DType;

std::vector<ColumnSpec> curve_columns() {
  return {{"method", DType::str, 0, ""},          {"pairs", DType::i64, 0, "pairs"}, {"seed", DType::i64, 0, ""},
          {"kendall_tau", DType::f64, 0, ""},     {"rmse", DType::f64, 0, "fraction"},
          {"pearson", DType::f64, 0, ""}};
}

std::vector<ColumnSpec> row_columns() {
  return {{"scenario", DType::str, 0, ""},
          {"search_mode", DType::str, 0, ""},
          {"budget_latency_ms", DType::f64, 0, "ms"},
          {"budget_energy_mj", DType::f64, 0, "mJ"},
          {"budget_bitops", DType::f64, 0, "bit operations"},
          {"method", DType::str, 0, ""},
          {"rank", DType::i32, 0, ""},
          {"predicted_accuracy", DType::f64, 0, "fraction"},
          {"predicted_stddev", DType::f64, 0, "fraction"},
          {"val_accuracy", DType::f64, 0, "fraction"},
          {"test_accuracy", DType::f64, 0, "fraction"},
          {"latency_ms", DType::f64, 0, "ms"},
          {"energy_mj", DType::f64, 0, "mJ"},
          {"bitops", DType::f64, 0, "bit operations"},
          {"val_images", DType::i64, 0, "images"},
          {"test_images", DType::i64, 0, "images"}};
}

}  // namespace

void write_report(const std::string& path, const ReportFile& report) {
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::report, report.meta);
  const TransferCurve& c = report.curve;
  create_columns(file, "transfer_curve", curve_columns());
  h5::Group curve = file.open_group("transfer_curve");
  curve.set_int_attr("heldout", c.heldout);
  curve.set_string_attr("label_target", c.label_target);
  curve.set_int_attr("label_items", c.label_items);
  curve.set_double_attr("label_split_half_tau", c.label_split_half_tau);
  curve.set_double_attr("label_reliability", c.label_reliability);
  curve.set_double_attr("label_tau_ceiling", c.label_tau_ceiling);
  using P = CurvePoint;
  append_field(curve, "method", c.points, [](const P& p) { return p.method; });
  append_field(curve, "pairs", c.points, [](const P& p) { return p.pairs; });
  append_field(curve, "seed", c.points, [](const P& p) { return p.seed; });
  append_field(curve, "kendall_tau", c.points, [](const P& p) { return p.kendall_tau; });
  append_field(curve, "rmse", c.points, [](const P& p) { return p.rmse; });
  append_field(curve, "pearson", c.points, [](const P& p) { return p.pearson; });

  create_columns(file, "finalized", row_columns());
  h5::Group rows = file.open_group("finalized");
  using R = ReportRow;
  const auto& r = report.rows;
  append_field(rows, "scenario", r, [](const R& x) { return x.scenario; });
  append_field(rows, "search_mode", r, [](const R& x) { return x.search_mode; });
  append_field(rows, "budget_latency_ms", r, [](const R& x) { return x.budget_latency_ms; });
  append_field(rows, "budget_energy_mj", r, [](const R& x) { return x.budget_energy_mj; });
  append_field(rows, "budget_bitops", r, [](const R& x) { return x.budget_bitops; });
  append_field(rows, "method", r, [](const R& x) { return x.method; });
  append_field(rows, "rank", r, [](const R& x) { return x.rank; });
  append_field(rows, "predicted_accuracy", r, [](const R& x) { return x.predicted_accuracy; });
  append_field(rows, "predicted_stddev", r, [](const R& x) { return x.predicted_stddev; });
  append_field(rows, "val_accuracy", r, [](const R& x) { return x.val_accuracy; });
  append_field(rows, "test_accuracy", r, [](const R& x) { return x.test_accuracy; });
  append_field(rows, "latency_ms", r, [](const R& x) { return x.latency_ms; });
  append_field(rows, "energy_mj", r, [](const R& x) { return x.energy_mj; });
  append_field(rows, "bitops", r, [](const R& x) { return x.bitops; });
  append_field(rows, "val_images", r, [](const R& x) { return x.val_images; });
  append_field(rows, "test_images", r, [](const R& x) { return x.test_images; });
  file.commit();
}

ReportFile read_report(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::report) throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::report);
  ReportFile out;
  out.meta = read_run_meta(file);
  const h5::Group curve = file.open_group("transfer_curve");
  check_columns(curve, curve_columns());
  TransferCurve& c = out.curve;
  c.heldout = curve.int_attr("heldout");
  c.label_target = curve.string_attr("label_target");
  c.label_items = curve.int_attr("label_items");
  c.label_split_half_tau = curve.double_attr("label_split_half_tau");
  c.label_reliability = curve.double_attr("label_reliability");
  c.label_tau_ceiling = curve.double_attr("label_tau_ceiling");
  const std::int64_t n = complete_rows(curve, curve_columns());
  const auto method = read_string_column(curve, "method", n);
  const auto pairs = read_column<std::int64_t>(curve, "pairs", n);
  const auto seed = read_column<std::int64_t>(curve, "seed", n);
  const auto tau = read_column<double>(curve, "kendall_tau", n);
  const auto rmse = read_column<double>(curve, "rmse", n);
  const auto pearson = read_column<double>(curve, "pearson", n);
  for (std::int64_t i = 0; i < n; ++i) c.points.push_back({method[i], pairs[i], seed[i], tau[i], rmse[i], pearson[i]});

  const h5::Group rows = file.open_group("finalized");
  check_columns(rows, row_columns());
  const std::int64_t m = complete_rows(rows, row_columns());
  const auto scenario = read_string_column(rows, "scenario", m);
  const auto mode = read_string_column(rows, "search_mode", m);
  const auto b_lat = read_column<double>(rows, "budget_latency_ms", m);
  const auto b_en = read_column<double>(rows, "budget_energy_mj", m);
  const auto b_bit = read_column<double>(rows, "budget_bitops", m);
  const auto meth = read_string_column(rows, "method", m);
  const auto rank = read_column<std::int32_t>(rows, "rank", m);
  const auto pred = read_column<double>(rows, "predicted_accuracy", m);
  const auto spread = read_column<double>(rows, "predicted_stddev", m);
  const auto val = read_column<double>(rows, "val_accuracy", m);
  const auto test = read_column<double>(rows, "test_accuracy", m);
  const auto lat = read_column<double>(rows, "latency_ms", m);
  const auto en = read_column<double>(rows, "energy_mj", m);
  const auto bit = read_column<double>(rows, "bitops", m);
  const auto vi = read_column<std::int64_t>(rows, "val_images", m);
  const auto ti = read_column<std::int64_t>(rows, "test_images", m);
  for (std::int64_t i = 0; i < m; ++i)
    out.rows.push_back({scenario[i], mode[i], b_lat[i], b_en[i], b_bit[i], meth[i], rank[i], pred[i], spread[i], val[i], test[i],
                        lat[i], en[i], bit[i], vi[i], ti[i]});
  return out;
}

}  // namespace apq
