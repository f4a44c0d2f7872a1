#include "io/report_store.hpp"

#include <gtest/gtest.h>

#include "io/search_store.hpp"
#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

ReportFile sample_report() {
  ReportFile r;
  r.meta = test::sample_meta();
  r.curve.heldout = 16;
  r.curve.label_target = "loss";
  r.curve.label_items = 80;
  r.curve.label_split_half_tau = 0.47;
  r.curve.label_reliability = 0.81;
  r.curve.label_tau_ceiling = 0.71;
  r.curve.points = {{"transfer", 25, 0, 0.3, 0.006, 0.5}, {"scratch", 25, 0, -0.1, 0.009, 0.1}};
  ReportRow row;
  row.scenario = "latency0.09ms-7f9f1cf0";
  row.search_mode = "pareto";
  row.budget_latency_ms = 0.09;
  row.method = "staged";
  row.rank = 3;
  row.predicted_accuracy = 0.826;
  row.val_accuracy = 0.823;
  row.test_accuracy = 0.814;
  row.latency_ms = 0.082;
  row.val_images = 10000;
  row.test_images = 10000;
  r.rows = {row, row};
  r.rows[1].method = "joint";
  r.rows[1].rank = 0;
  return r;
}

TEST(ReportStore, RoundTripsTheCurveAndTheFinalizedRows) {
  test::ScratchDir dir;
  const std::string path = dir.file("report.h5");
  const ReportFile written = sample_report();
  write_report(path, written);
  const ReportFile read = read_report(path);
  EXPECT_EQ(read.meta.config, written.meta.config);
  ASSERT_EQ(read.curve.points.size(), 2u);
  EXPECT_EQ(read.curve.points[1].method, "scratch");
  EXPECT_EQ(read.curve.points[1].pairs, 25);
  EXPECT_DOUBLE_EQ(read.curve.points[0].kendall_tau, 0.3);
  EXPECT_EQ(read.curve.heldout, 16);
  EXPECT_EQ(read.curve.label_target, "loss");
  EXPECT_DOUBLE_EQ(read.curve.label_reliability, 0.81);
  ASSERT_EQ(read.rows.size(), 2u);
  EXPECT_EQ(read.rows[0].scenario, "latency0.09ms-7f9f1cf0");
  EXPECT_EQ(read.rows[0].search_mode, "pareto");
  EXPECT_EQ(read.rows[1].method, "joint");
  EXPECT_EQ(read.rows[0].rank, 3);
  EXPECT_DOUBLE_EQ(read.rows[0].budget_latency_ms, 0.09);
  EXPECT_EQ(read.rows[1].val_images, 10000);
  // Rewriting replaces the file whole.
  ReportFile fewer = written;
  fewer.rows.resize(1);
  write_report(path, fewer);
  EXPECT_EQ(read_report(path).rows.size(), 1u);
}

TEST(ReportStore, RefusesAnotherKindOfRunFile) {
  test::ScratchDir dir;
  const std::string path = dir.file("search.h5");
  SearchWriter(path, test::sample_meta(), "joint", SearchBudget{});
  EXPECT_NE(error_of([&] { read_report(path); }).find("not report"), std::string::npos);
}

}  // namespace
}  // namespace apq
