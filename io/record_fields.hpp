// One field list per HDF5 record type. A field is one column of a column group (its name,
// element type, width and units) together with how to take its value out of a record and put
// it back. A store's writer (create_columns, append_records) and its reader (check_columns,
// read_records) loop over the same list, so each column is named once, in one place.
//
//   const RecordFields<SearchResult>& result_fields() {
//     static const RecordFields<SearchResult> f = {field("rank", &SearchResult::rank),
//                                                  field("latency_ms", &SearchResult::latency_ms, "ms")};
//     return f;
//   }
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "io/item_columns.hpp"

namespace apq {

template <class Record>
struct RecordField {
  ColumnSpec column;
  // Appends every record's value to the column, in order.
  std::function<void(h5::Group&, const std::vector<Record>&)> append;
  // Reads the column's first records.size() rows into the records.
  std::function<void(const h5::Group&, std::vector<Record>&)> read;
};
template <class Record>
using RecordFields = std::vector<RecordField<Record>>;

namespace detail {
template <class T>
constexpr h5::DType column_type() {
  if constexpr (std::is_same_v<T, std::string>) return h5::DType::str;
  else return h5::dtype_of<T>();
}
}  // namespace detail

// A column of T holding get(record); set(record, value) puts a value read back.
template <class T, class Record, class Get, class Set>
RecordField<Record> mapped_field(const std::string& name, const std::string& units, Get get, Set set) {
  RecordField<Record> f;
  f.column = {name, detail::column_type<T>(), 0, units};
  f.append = [name, get](h5::Group& group, const std::vector<Record>& records) {
    append_field(group, name, records, [&](const Record& r) { return static_cast<T>(get(r)); });
  };
  f.read = [name, set](const h5::Group& group, std::vector<Record>& records) {
    const auto rows = static_cast<std::int64_t>(records.size());
    std::vector<T> values;
    if constexpr (std::is_same_v<T, std::string>) values = read_string_column(group, name, rows);
    else values = read_column<T>(group, name, rows);  // HDF5 converts between number types
    for (std::size_t i = 0; i < records.size(); ++i) set(records[i], std::move(values[i]));
  };
  return f;
}

// A column that is one member of the record.
template <class Record, class T>
RecordField<Record> field(const std::string& name, T Record::*member, const std::string& units = "") {
  return mapped_field<T, Record>(
      name, units, [member](const Record& r) { return r.*member; }, [member](Record& r, T v) { r.*member = std::move(v); });
}

// A 2-D float column, `width` values per record (a one-hot code); every record's member must hold
// exactly `width` values (the store checks before appending).
template <class Record>
RecordField<Record> code_field(const std::string& name, std::vector<float> Record::*member, std::int64_t width,
                               const std::string& units) {
  RecordField<Record> f;
  f.column = {name, h5::DType::f32, width, units};
  f.append = [name, member](h5::Group& group, const std::vector<Record>& records) {
    std::vector<float> values;
    for (const auto& r : records) values.insert(values.end(), (r.*member).begin(), (r.*member).end());
    group.open_table(name).append<float>(values);
  };
  f.read = [name, member](const h5::Group& group, std::vector<Record>& records) {
    auto codes = read_code_column(group, name, static_cast<std::int64_t>(records.size()));
    for (std::size_t i = 0; i < records.size(); ++i) records[i].*member = std::move(codes[i]);
  };
  return f;
}

// The fields of a part (e.g. an EvalScore) as fields of the records that hold it as `member`.
template <class Record, class Part>
RecordFields<Record> part_fields(const RecordFields<Part>& part, Part Record::*member) {
  RecordFields<Record> out;
  for (const auto& p : part) {
    RecordField<Record> f;
    f.column = p.column;
    f.append = [p, member](h5::Group& group, const std::vector<Record>& records) {
      std::vector<Part> parts;
      parts.reserve(records.size());
      for (const auto& r : records) parts.push_back(r.*member);
      p.append(group, parts);
    };
    f.read = [p, member](const h5::Group& group, std::vector<Record>& records) {
      std::vector<Part> parts(records.size());
      for (std::size_t i = 0; i < records.size(); ++i) parts[i] = records[i].*member;
      p.read(group, parts);
      for (std::size_t i = 0; i < records.size(); ++i) records[i].*member = std::move(parts[i]);
    };
    out.push_back(std::move(f));
  }
  return out;
}

template <class Record>
RecordFields<Record> joined(RecordFields<Record> a, const RecordFields<Record>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

template <class Record>
std::vector<ColumnSpec> columns_of(const RecordFields<Record>& fields) {
  std::vector<ColumnSpec> columns;
  for (const auto& f : fields) columns.push_back(f.column);
  return columns;
}

// One row per record in every column of `group`.
template <class Record>
void append_records(h5::Group& group, const RecordFields<Record>& fields, const std::vector<Record>& records) {
  for (const auto& f : fields) f.append(group, records);
}

// The first `rows` records of `group` (see complete_rows for how many are whole).
template <class Record>
std::vector<Record> read_records(const h5::Group& group, const RecordFields<Record>& fields, std::int64_t rows) {
  std::vector<Record> records(static_cast<std::size_t>(rows));
  for (const auto& f : fields) f.read(group, records);
  return records;
}

// Columns added after files with `group` existed, for files written whole (not row by row): each
// is read into the records when the group has it (checked like the others), else the records
// keep that member's default.
template <class Record>
void read_later_records(const h5::Group& group, const RecordFields<Record>& fields, std::vector<Record>& records) {
  for (const auto& f : fields)
    if (group.exists(f.column.name)) {
      check_columns(group, {f.column});
      f.read(group, records);
    }
}

}  // namespace apq
