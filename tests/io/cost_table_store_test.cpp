#include "io/cost_table_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <limits>
#include <stdexcept>
#include <string>

#include "io/hdf5_file.hpp"
#include "io_test_util.hpp"

namespace apq {
namespace {

CostTableData sample_table() {
  CostTableData t;
  t.source = "unit-test";
  t.description = "two rows written by hand";
  CostRecord dw;
  dw.layer = "dw 72>72 k5 s2 g72 14>7 w4a8";
  dw.type = 1;
  dw.in_channels = dw.out_channels = dw.groups = 72;
  dw.kernel = 5;
  dw.stride = 2;
  dw.in_size = 14;
  dw.out_size = 7;
  dw.w_bits = 4;
  dw.a_bits = 8;
  dw.latency_ms = 0.0123;
  dw.energy_mj = 4.5e-5;
  CostRecord fc;
  fc.layer = "linear 256>10 k1 s1 g1 1>1 w8a8";
  fc.type = 2;
  fc.in_channels = 256;
  fc.out_channels = 10;
  fc.latency_ms = 0.001;
  fc.energy_mj = 1e-6;
  t.rows = {dw, fc};
  return t;
}

void expect_same(const CostRecord& a, const CostRecord& b) {
  EXPECT_EQ(a.layer, b.layer);
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.in_channels, b.in_channels);
  EXPECT_EQ(a.out_channels, b.out_channels);
  EXPECT_EQ(a.kernel, b.kernel);
  EXPECT_EQ(a.stride, b.stride);
  EXPECT_EQ(a.groups, b.groups);
  EXPECT_EQ(a.in_size, b.in_size);
  EXPECT_EQ(a.out_size, b.out_size);
  EXPECT_EQ(a.w_bits, b.w_bits);
  EXPECT_EQ(a.a_bits, b.a_bits);
  EXPECT_EQ(a.latency_ms, b.latency_ms);
  EXPECT_EQ(a.energy_mj, b.energy_mj);
}

template <class E, class F>
void expect_error(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one mentioning \"" << fragment << "\"";
  } catch (const E& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(CostTableStore, ReadsBackWhatWasWritten) {
  test::ScratchDir dir;
  const std::string path = dir.file("costs.h5");
  const CostTableData written = sample_table();
  write_cost_table(path, written);
  const CostTableData read = read_cost_table(path);
  EXPECT_EQ(read.source, written.source);
  EXPECT_EQ(read.description, written.description);
  ASSERT_EQ(read.rows.size(), written.rows.size());
  for (std::size_t i = 0; i < read.rows.size(); ++i) expect_same(read.rows[i], written.rows[i]);
  // Self-describing: units and column names are attributes.
  const h5::File file = h5::File::open(path);
  EXPECT_EQ(file.open_dataset("latency").string_attr("units"), "ms");
  EXPECT_EQ(file.open_dataset("energy").string_attr("units"), "mJ");
  EXPECT_EQ(file.open_dataset("shape").string_attr("columns"), kCostShapeColumns);
  EXPECT_EQ(file.string_attr("schema"), kCostTableSchema);
}

TEST(CostTableStore, LayerStringsAreOptionalOnRead) {
  test::ScratchDir dir;
  const std::string path = dir.file("user.h5");
  {  // what a user writing their own table with the documented layout, minus /layers, produces
    h5::File file = h5::File::create(path);
    h5::write_schema(file, kCostTableSchema, kCostTableSchemaVersion);
    file.write<std::int32_t>("shape", {1, 10}, {0, 16, 32, 1, 1, 1, 7, 7, 8, 8});
    file.write<double>("latency", {1}, {0.5});
    file.write<double>("energy", {1}, {0.25});
    file.commit();
  }
  const CostTableData read = read_cost_table(path);
  ASSERT_EQ(read.rows.size(), 1u);
  EXPECT_EQ(read.rows[0].layer, "");
  EXPECT_EQ(read.rows[0].out_channels, 32);
  EXPECT_EQ(read.rows[0].latency_ms, 0.5);
}

TEST(CostTableStore, InvalidRowsAreRejectedAndTheOldFileIsKept) {
  test::ScratchDir dir;
  const std::string path = dir.file("costs.h5");
  write_cost_table(path, sample_table());
  CostTableData bad = sample_table();
  bad.rows[1].latency_ms = std::numeric_limits<double>::quiet_NaN();
  expect_error<std::invalid_argument>([&] { write_cost_table(path, bad); }, "row 1 (linear 256>10");
  bad = sample_table();
  bad.rows[0].w_bits = 9;
  expect_error<std::invalid_argument>([&] { write_cost_table(path, bad); }, "9 bits outside 2..8");
  bad = sample_table();
  bad.rows[1] = bad.rows[0];
  expect_error<std::invalid_argument>([&] { write_cost_table(path, bad); }, "appear twice");
  bad = sample_table();
  bad.rows[0].groups = 5;
  expect_error<std::invalid_argument>([&] { write_cost_table(path, bad); }, "divisible");
  bad.rows.clear();
  expect_error<std::invalid_argument>([&] { write_cost_table(path, bad); }, "no rows");
  EXPECT_EQ(read_cost_table(path).rows.size(), 2u);  // untouched by the failed writes
}

TEST(CostTableStore, ForeignOrInconsistentFilesAreClearErrors) {
  test::ScratchDir dir;
  const std::string foreign = dir.file("foreign.h5");
  {
    h5::File file = h5::File::create(foreign);
    file.write<double>("latency", {1}, {1.0});
    file.commit();
  }
  expect_error<std::runtime_error>([&] { read_cost_table(foreign); }, "schema");
  const std::string short_energy = dir.file("short.h5");
  {
    h5::File file = h5::File::create(short_energy);
    h5::write_schema(file, kCostTableSchema, kCostTableSchemaVersion);
    file.write<std::int32_t>("shape", {1, 10}, {0, 16, 32, 1, 1, 1, 7, 7, 8, 8});
    file.write<double>("latency", {1}, {0.5});
    file.write<double>("energy", {2}, {0.25, 0.5});
    file.commit();
  }
  expect_error<std::runtime_error>([&] { read_cost_table(short_energy); }, "'energy' has shape 2");
  const std::string seconds = dir.file("seconds.h5");
  {
    h5::File file = h5::File::create(seconds);
    h5::write_schema(file, kCostTableSchema, kCostTableSchemaVersion);
    file.write<std::int32_t>("shape", {1, 10}, {0, 16, 32, 1, 1, 1, 7, 7, 8, 8});
    file.write<double>("latency", {1}, {0.5});
    file.open_dataset("latency").set_string_attr("units", "s");
    file.write<double>("energy", {1}, {0.25});
    file.commit();
  }
  expect_error<std::runtime_error>([&] { read_cost_table(seconds); }, "expected \"ms\"");
  expect_error<std::runtime_error>([&] { read_cost_table(dir.file("missing.h5")); }, "missing.h5");
}

}  // namespace
}  // namespace apq
