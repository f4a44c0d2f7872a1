// Column groups: one extendible table per field, one row per item, all in one HDF5 group
// (/items/id, /items/accuracy, ...). A writer appends one row to every column and flushes; a
// crash between two columns leaves a torn last item, which repair_torn_rows() removes by
// shrinking every column to the common row count. Readers take that common count, so a file
// being written reads as its complete items.
#pragma once
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

#include "io/hdf5_file.hpp"

namespace apq {

struct ColumnSpec {
  std::string name;
  h5::DType type = h5::DType::f64;
  std::int64_t width = 0;  // 0: a 1-D column [N]; otherwise a 2-D column [N x width]
  std::string units;       // written as the column's "units" attribute when non-empty
};

// Creates group_path with every column as an empty table (the group must not exist).
void create_columns(h5::Group& parent, const std::string& group_path, const std::vector<ColumnSpec>& columns);

// Throws unless every column exists as a table of the right element type and width.
void check_columns(const h5::Group& group, const std::vector<ColumnSpec>& columns);

// The number of complete items: the smallest row count among the columns.
std::int64_t complete_rows(const h5::Group& group, const std::vector<ColumnSpec>& columns);

// Shrinks every column longer than complete_rows() to it; returns how many rows were removed
// in total (0 for an intact group). Only the listed columns are touched.
std::int64_t repair_torn_rows(h5::Group& group, const std::vector<ColumnSpec>& columns);

// Appends to column `name` of `group` the value `get(row)` of every row, in order: a table of
// results written one field at a time (strings as string tables).
template <class Row, class Get>
void append_field(h5::Group& group, const std::string& name, const std::vector<Row>& rows, Get get) {
  using Value = std::decay_t<decltype(get(rows.front()))>;
  std::vector<Value> column;
  column.reserve(rows.size());
  for (const auto& row : rows) column.push_back(get(row));
  if constexpr (std::is_same_v<Value, std::string>)
    group.open_table(name).append_strings(column);
  else
    group.open_table(name).append(column);
}

// The first `rows` rows of a column, as T (numbers are converted by HDF5).
template <class T>
std::vector<T> read_column(const h5::Group& group, const std::string& name, std::int64_t rows) {
  return group.open_table(name).read_rows<T>(0, rows);
}
std::vector<std::string> read_string_column(const h5::Group& group, const std::string& name,
                                            std::int64_t rows);
// A 2-D float column as one vector per row.
std::vector<std::vector<float>> read_code_column(const h5::Group& group, const std::string& name,
                                                 std::int64_t rows);

}  // namespace apq
