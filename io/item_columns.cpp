#include "io/item_columns.hpp"

#include <hdf5.h>

#include <algorithm>
#include <limits>

namespace apq {

namespace {

h5::Table make_table(h5::Group& group, const ColumnSpec& c, std::int64_t chunk_rows) {
  switch (c.type) {
    case h5::DType::str: return group.create_string_table(c.name, chunk_rows);
    case h5::DType::f32: return group.create_table<float>(c.name, c.width, chunk_rows);
    case h5::DType::f64: return group.create_table<double>(c.name, c.width, chunk_rows);
    case h5::DType::i32: return group.create_table<std::int32_t>(c.name, c.width, chunk_rows);
    case h5::DType::i64: return group.create_table<std::int64_t>(c.name, c.width, chunk_rows);
    case h5::DType::u8: return group.create_table<std::uint8_t>(c.name, c.width, chunk_rows);
  }
  group.fail("column '" + c.name + "': unknown element type");
}

}  // namespace

void create_columns(h5::Group& parent, const std::string& group_path, const std::vector<ColumnSpec>& columns) {
  h5::Group group = parent.create_group(group_path);
  for (const auto& c : columns) {
    // Small chunks: items arrive one at a time and files stay small while rows are few.
    h5::Table table = make_table(group, c, c.width > 64 ? 16 : 256);
    if (!c.units.empty()) table.set_string_attr("units", c.units);
  }
}

void check_columns(const h5::Group& group, const std::vector<ColumnSpec>& columns) {
  for (const auto& c : columns) {
    if (!group.exists(c.name)) group.fail("column '" + c.name + "' missing");
    const h5::Table table = group.open_table(c.name);
    if (table.dtype() != c.type)
      table.fail(std::string("holds ") + h5::dtype_name(table.dtype()) + ", expected " + h5::dtype_name(c.type));
    if (table.columns() != c.width)
      table.fail("has width " + std::to_string(table.columns()) + ", expected " + std::to_string(c.width));
  }
}

std::int64_t complete_rows(const h5::Group& group, const std::vector<ColumnSpec>& columns) {
  std::int64_t rows = std::numeric_limits<std::int64_t>::max();
  for (const auto& c : columns) rows = std::min(rows, group.open_table(c.name).rows());
  return columns.empty() ? 0 : rows;
}

std::int64_t repair_torn_rows(h5::Group& group, const std::vector<ColumnSpec>& columns) {
  const std::int64_t keep = complete_rows(group, columns);
  std::int64_t removed = 0;
  for (const auto& c : columns) {
    const h5::Table table = group.open_table(c.name);
    const std::int64_t rows = table.rows();
    if (rows == keep) continue;
    const hsize_t dims[2] = {static_cast<hsize_t>(keep), static_cast<hsize_t>(c.width)};
    if (H5Dset_extent(table.id(), dims) < 0) table.fail("cannot shrink to " + std::to_string(keep) + " rows");
    removed += rows - keep;
  }
  return removed;
}

std::vector<std::string> read_string_column(const h5::Group& group, const std::string& name, std::int64_t rows) {
  return group.open_table(name).read_string_rows(0, rows);
}

std::vector<std::vector<float>> read_code_column(const h5::Group& group, const std::string& name,
                                                 std::int64_t rows) {
  const h5::Table table = group.open_table(name);
  const std::int64_t width = std::max<std::int64_t>(table.columns(), 1);
  const std::vector<float> flat = table.read_rows<float>(0, rows);
  std::vector<std::vector<float>> out(static_cast<std::size_t>(rows));
  for (std::int64_t r = 0; r < rows; ++r)
    out[static_cast<std::size_t>(r)].assign(flat.begin() + r * width, flat.begin() + (r + 1) * width);
  return out;
}

}  // namespace apq
