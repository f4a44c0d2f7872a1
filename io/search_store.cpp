#include "io/search_store.hpp"

#include <hdf5.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <stdexcept>

#include "io/record_fields.hpp"

namespace apq {

using h5::DType;

namespace {

constexpr std::int64_t kHistoryWidth = 5;

const RecordFields<SearchResult>& result_fields() {
  using R = SearchResult;
  static const RecordFields<R> fields = {field("rank", &R::rank),
                                         field("arch", &R::arch),
                                         field("policy", &R::policy),
                                         field("predicted_accuracy", &R::predicted_accuracy, "fraction"),
                                         field("latency_ms", &R::latency_ms, "ms"),
                                         field("energy_mj", &R::energy_mj, "mJ"),
                                         field("bitops", &R::bitops, "bit operations"),
                                         field("island", &R::island),
                                         field("predicted_stddev", &R::predicted_stddev, "fraction")};
  return fields;
}

void set_budget(h5::Group& g, const SearchBudget& b) {
  g.set_double_attr("budget_latency_ms", b.latency_ms);
  g.set_double_attr("budget_energy_mj", b.energy_mj);
  g.set_double_attr("budget_bitops", b.bitops);
}

SearchBudget get_budget(const h5::Group& g) {
  return {g.double_attr("budget_latency_ms"), g.double_attr("budget_energy_mj"), g.double_attr("budget_bitops")};
}

std::string budget_text(const SearchBudget& b) {
  std::ostringstream s;
  s << "latency " << b.latency_ms << " ms, energy " << b.energy_mj << " mJ, BitOps " << b.bitops;
  return s.str();
}

void add_method_group(h5::Group& root, const std::string& method, const SearchBudget& budget) {
  h5::Group g = root.create_group(method);
  g.set_string_attr("method", method);
  set_budget(g, budget);
  g.set_int_attr("completed", 0);
  g.create_table<double>("history", kHistoryWidth).set_string_attr("columns", kHistoryColumns);
  const std::string listed = root.has_attr("method") ? root.string_attr("method") : "";
  root.set_string_attr("method", listed.empty() ? method : listed + " " + method);
}

void check_method_name(const std::string& path, const std::string& method) {
  bool ok = !method.empty();
  for (char c : method) ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '_');
  if (!ok || method == "results")
    throw std::invalid_argument(path + ": search method '" + method + "' is not a plain name");
}

}  // namespace

SearchWriter::SearchWriter(std::string path, RunMeta meta, std::string method, SearchBudget budget)
    : path_(std::move(path)), meta_(std::move(meta)), method_(std::move(method)) {
  check_method_name(path_, method_);
  if (!h5::file_exists(path_)) {
    h5::File file = h5::File::create(path_);
    stamp_run_file(file, run_kind::search, meta_);
    set_budget(file, budget);
    add_method_group(file, method_, budget);
    file.commit();
    return;
  }
  check_same_run_if_exists(path_, run_kind::search, meta_);
  {
    const RunFile file = RunFile::open_read(path_);
    const SearchBudget stored = get_budget(file);
    if (stored.latency_ms != budget.latency_ms || stored.energy_mj != budget.energy_mj ||
        stored.bitops != budget.bitops)
      throw std::runtime_error(path_ + ": written for another budget (" + budget_text(stored) +
                               " in the file, " + budget_text(budget) + " in this run); refusing to touch it");
    if (file.exists(method_)) {
      file.open_group(method_).open_table("history");  // throws if damaged
      return;
    }
  }
  RunFile file = RunFile::open_append(path_);
  add_method_group(file, method_, budget);
  file.flush();
}

std::int64_t SearchWriter::history_rows() const {
  const RunFile file = RunFile::open_read(path_);
  return file.open_group(method_).open_table("history").rows();
}

void SearchWriter::append_history(const std::vector<HistoryRow>& rows) {
  std::vector<double> values;
  values.reserve(rows.size() * kHistoryWidth);
  for (const auto& r : rows) {
    values.insert(values.end(), {static_cast<double>(r.generation), static_cast<double>(r.island), r.best_fitness,
                                 r.mean_fitness, static_cast<double>(r.evaluated)});
  }
  require_space_to_append(path_);
  RunFile file = RunFile::open_append(path_);
  file.open_group(method_).open_table("history").append<double>(values);  // one write: never torn
  file.flush();
}

void SearchWriter::truncate_history(std::int64_t rows) {
  RunFile file = RunFile::open_append(path_);
  const h5::Table history = file.open_group(method_).open_table("history");
  if (rows < 0 || rows > history.rows())
    history.fail("cannot truncate " + std::to_string(history.rows()) + " rows to " + std::to_string(rows));
  const hsize_t dims[2] = {static_cast<hsize_t>(rows), static_cast<hsize_t>(kHistoryWidth)};
  if (H5Dset_extent(history.id(), dims) < 0) history.fail("cannot shrink");
  file.flush();
}

bool SearchWriter::has_results() const {
  const RunFile file = RunFile::open_read(path_);
  return file.open_group(method_).exists("results");
}

void SearchWriter::write_results(const std::vector<SearchResult>& results) {
  RunFile file = RunFile::open_append(path_);
  h5::Group g = file.open_group(method_);
  if (g.exists("results")) g.fail("results are already stored");
  // Written under a temporary name and renamed, so a crash leaves no half result set.
  if (g.exists("results_partial") && H5Ldelete(g.id(), "results_partial", H5P_DEFAULT) < 0)
    g.fail("cannot remove 'results_partial'");
  create_columns(g, "results_partial", columns_of(result_fields()));
  {
    h5::Group r = g.open_group("results_partial");
    append_records(r, result_fields(), results);
  }
  if (H5Lmove(g.id(), "results_partial", g.id(), "results", H5P_DEFAULT, H5P_DEFAULT) < 0)
    g.fail("cannot rename 'results_partial' to 'results'");
  g.set_int_attr("completed", 1);
  file.flush();
}

SearchFile read_search(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::search)
    throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::search);
  SearchFile out;
  out.meta = read_run_meta(file);
  out.budget = get_budget(file);
  for (const auto& name : file.children()) {
    if (!file.is_group(name)) continue;
    const h5::Group g = file.open_group(name);
    SearchSet set;
    set.method = name;
    set.completed = g.has_attr("completed") && g.int_attr("completed") != 0;
    const h5::Table history = g.open_table("history");
    if (history.columns() != kHistoryWidth) history.fail("is not " + std::to_string(kHistoryWidth) + " columns wide");
    const auto v = history.read_rows<double>(0, history.rows());
    for (std::size_t i = 0; i + kHistoryWidth <= v.size(); i += kHistoryWidth)
      set.history.push_back({static_cast<std::int64_t>(v[i]), static_cast<std::int64_t>(v[i + 1]), v[i + 2],
                             v[i + 3], static_cast<std::int64_t>(v[i + 4])});
    if (g.exists("results")) {
      const h5::Group r = g.open_group("results");
      const auto columns = columns_of(result_fields());
      check_columns(r, columns);
      set.results = read_records(r, result_fields(), complete_rows(r, columns));
    }
    out.sets.push_back(std::move(set));
  }
  return out;
}

std::int64_t predictor_calls(const std::vector<HistoryRow>& history) {
  std::map<std::int64_t, std::int64_t> last;  // island -> its count so far (counts only grow)
  for (const HistoryRow& h : history) last[h.island] = std::max(last[h.island], h.evaluated);
  std::int64_t sum = 0;
  for (const auto& [island, count] : last) sum += count;
  return sum;
}

}  // namespace apq
