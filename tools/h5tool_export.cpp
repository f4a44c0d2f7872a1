// apq-h5 export: any item table of a run file as CSV (a header row, then one row per item).
#include <algorithm>
#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/run_meta.hpp"
#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

namespace {

struct CsvColumn {
  std::string name;
  std::vector<std::string> cells;  // one per row
};

std::string csv_cell(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos && (s.empty() || (s.front() != ' ' && s.back() != ' ')))
    return s;
  std::string out = "\"";
  for (char c : s) out += c == '"' ? std::string("\"\"") : std::string(1, c);
  return out + "\"";
}

std::vector<std::string> split_names(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    const std::size_t comma = text.find(',', start);
    out.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

// Columns of one dataset: 1-D gives one column, 2-D one per column (named by its "columns"
// attribute when it has one, else name[j]).
std::vector<CsvColumn> dataset_columns(const h5::Group& parent, const std::string& name, const std::string& label) {
  const h5::Dataset d = parent.open_dataset(name);
  const h5::Shape shape = d.shape();
  if (shape.empty() || shape.size() > 2) d.fail("is not a 1-D or 2-D table (shape " + h5::shape_string(shape) + ")");
  const std::int64_t rows = shape[0];
  const std::int64_t width = shape.size() == 2 ? shape[1] : 1;
  std::vector<CsvColumn> out(static_cast<std::size_t>(width));
  std::vector<std::string> names;
  if (shape.size() == 2 && d.has_attr("columns")) names = split_names(d.string_attr("columns"));
  for (std::int64_t j = 0; j < width; ++j)
    out[static_cast<std::size_t>(j)].name =
        shape.size() == 1 ? label
        : static_cast<std::int64_t>(names.size()) == width ? names[static_cast<std::size_t>(j)]
                                                           : label + "[" + std::to_string(j) + "]";
  auto put = [&](std::int64_t i, std::string cell) {
    out[static_cast<std::size_t>(i % width)].cells.push_back(std::move(cell));
  };
  const h5::DType type = d.dtype();
  if (type == h5::DType::str) {
    const auto values = parent.read_strings(name);
    for (std::size_t i = 0; i < values.size(); ++i) put(static_cast<std::int64_t>(i), values[i]);
  } else if (d.is_integer()) {
    const auto values = parent.read<std::int64_t>(name);
    for (std::size_t i = 0; i < values.size(); ++i) put(static_cast<std::int64_t>(i), std::to_string(values[i]));
  } else {
    const auto values = parent.read<double>(name);
    for (std::size_t i = 0; i < values.size(); ++i) put(static_cast<std::int64_t>(i), exact_number(values[i]));
  }
  for (auto& c : out) c.cells.resize(static_cast<std::size_t>(rows));
  return out;
}

std::vector<CsvColumn> table_columns(const RunFile& file, const std::string& table) {
  if (!file.exists(table)) throw std::runtime_error(file.path() + ": no table '" + table + "'");
  if (!file.is_group(table)) return dataset_columns(file, table, base_name(table));
  const h5::Group g = file.open_group(table);
  std::vector<CsvColumn> out;
  for (const auto& member : g.children()) {
    if (g.is_group(member)) continue;
    for (auto& c : dataset_columns(g, member, member)) out.push_back(std::move(c));
  }
  if (out.empty()) throw std::runtime_error(file.path() + ": '" + table + "' holds no columns");
  return out;
}

// The file PATH:TABLE refers to, and the table name inside it.
std::string resolve(const std::string& path, std::string* table) {
  if (!is_directory(path)) {
    list_run_files(path);  // rejects a file that is not ours
    return path;
  }
  const std::size_t colon = table->find(':');
  if (colon != std::string::npos) {
    std::string file = table->substr(0, colon);
    if (file.size() < 3 || file.substr(file.size() - 3) != ".h5") file += ".h5";
    *table = table->substr(colon + 1);
    return path + "/" + file;
  }
  std::vector<std::string> holders;
  for (const auto& f : list_run_files(path)) {
    if (!f.error.empty()) continue;
    note_reading(f.path);
    const RunFile file = RunFile::open_read(f.path);
    if (file.exists(*table)) holders.push_back(f.path);
  }
  if (holders.empty()) throw std::runtime_error(path + ": no file has a table '" + *table + "'");
  if (holders.size() > 1)
    throw std::runtime_error(path + ": '" + *table + "' is in " + base_name(holders[0]) + " and " +
                             base_name(holders[1]) + "; name one as FILE:" + *table);
  return holders.front();
}

}  // namespace

void export_csv(const std::string& path, const std::string& table_arg, std::ostream& out) {
  std::string table = table_arg;
  const std::string file_path = resolve(path, &table);
  std::vector<CsvColumn> columns;
  with_retries(file_path, [&] {
    const RunFile file = RunFile::open_read(file_path);
    run_file_kind(file);
    columns = table_columns(file, table);
  });
  std::size_t rows = columns.front().cells.size();
  for (const auto& c : columns) rows = std::min(rows, c.cells.size());  // complete items only
  for (std::size_t j = 0; j < columns.size(); ++j) out << (j ? "," : "") << csv_cell(columns[j].name);
  out << "\n";
  for (std::size_t i = 0; i < rows; ++i) {
    for (std::size_t j = 0; j < columns.size(); ++j) out << (j ? "," : "") << csv_cell(columns[j].cells[i]);
    out << "\n";
  }
}

}  // namespace apq::h5tool
