#include "io/final_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/item_columns.hpp"

namespace apq {

using h5::DType;

namespace {

std::vector<ColumnSpec> report_columns() {
  return {{"rank", DType::i32, 0, ""},
          {"arch", DType::str, 0, ""},
          {"policy", DType::str, 0, ""},
          {"predicted_accuracy", DType::f64, 0, "fraction"},
          {"val_accuracy", DType::f64, 0, "fraction"},
          {"test_accuracy", DType::f64, 0, "fraction"},
          {"latency_ms", DType::f64, 0, "ms"},
          {"energy_mj", DType::f64, 0, "mJ"},
          {"bitops", DType::f64, 0, "bit operations"},
          {"fine_tune_epochs", DType::i64, 0, "epochs"},
          {"predicted_stddev", DType::f64, 0, "fraction"},
          {"method", DType::str, 0, ""},
          {"val_images", DType::i64, 0, "images"},
          {"test_images", DType::i64, 0, "images"}};
}

void write_final(const std::string& path, const RunMeta& meta, const std::vector<FinalEntry>& entries) {
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::final_models, meta);
  create_columns(file, "report", report_columns());
  h5::Group report = file.open_group("report");
  using E = FinalEntry;
  append_field(report, "rank", entries, [](const E& e) { return e.rank; });
  append_field(report, "arch", entries, [](const E& e) { return e.arch; });
  append_field(report, "policy", entries, [](const E& e) { return e.policy; });
  append_field(report, "predicted_accuracy", entries, [](const E& e) { return e.predicted_accuracy; });
  append_field(report, "val_accuracy", entries, [](const E& e) { return e.val_accuracy; });
  append_field(report, "test_accuracy", entries, [](const E& e) { return e.test_accuracy; });
  append_field(report, "latency_ms", entries, [](const E& e) { return e.latency_ms; });
  append_field(report, "energy_mj", entries, [](const E& e) { return e.energy_mj; });
  append_field(report, "bitops", entries, [](const E& e) { return e.bitops; });
  append_field(report, "fine_tune_epochs", entries, [](const E& e) { return e.fine_tune_epochs; });
  append_field(report, "predicted_stddev", entries, [](const E& e) { return e.predicted_stddev; });
  append_field(report, "method", entries, [](const E& e) { return e.method; });
  append_field(report, "val_images", entries, [](const E& e) { return e.val_images; });
  append_field(report, "test_images", entries, [](const E& e) { return e.test_images; });
  file.create_group("models");
  for (const auto& e : entries) write_named_arrays(file, "models/" + std::to_string(e.rank) + "/weights", e.weights);
  file.commit();
}

}  // namespace

void add_final_entry(const std::string& path, const RunMeta& meta, const FinalEntry& entry) {
  if (entry.rank < 0) throw std::invalid_argument(path + ": final entry with negative rank");
  std::vector<FinalEntry> entries;
  if (h5::file_exists(path)) {
    check_same_run_if_exists(path, run_kind::final_models, meta);
    entries = read_final(path, true).entries;
  }
  for (const auto& e : entries)
    if (e.rank == entry.rank)
      throw std::invalid_argument(path + ": rank " + std::to_string(entry.rank) + " is already stored");
  entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
  write_final(path, meta, entries);
}

FinalFile read_final(const std::string& path, bool with_weights) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::final_models)
    throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::final_models);
  FinalFile out;
  out.meta = read_run_meta(file);
  const h5::Group r = file.open_group("report");
  const auto columns = report_columns();
  check_columns(r, columns);
  const std::int64_t n = complete_rows(r, columns);
  const auto rank = read_column<std::int32_t>(r, "rank", n);
  const auto arch = read_string_column(r, "arch", n);
  const auto policy = read_string_column(r, "policy", n);
  const auto pred = read_column<double>(r, "predicted_accuracy", n);
  const auto val = read_column<double>(r, "val_accuracy", n);
  const auto test = read_column<double>(r, "test_accuracy", n);
  const auto latency = read_column<double>(r, "latency_ms", n);
  const auto energy = read_column<double>(r, "energy_mj", n);
  const auto bitops = read_column<double>(r, "bitops", n);
  const auto epochs = read_column<std::int64_t>(r, "fine_tune_epochs", n);
  const auto spread = read_column<double>(r, "predicted_stddev", n);
  const auto method = read_string_column(r, "method", n);
  const auto val_images = read_column<std::int64_t>(r, "val_images", n);
  const auto test_images = read_column<std::int64_t>(r, "test_images", n);
  for (std::size_t i = 0; i < rank.size(); ++i) {
    FinalEntry e{rank[i],    arch[i],   policy[i], pred[i],  val[i],         test[i],          latency[i],
                 energy[i],  bitops[i], epochs[i], {},       spread[i],      method[i],        val_images[i],
                 test_images[i]};
    if (with_weights) e.weights = read_named_arrays(file, "models/" + std::to_string(e.rank) + "/weights");
    out.entries.push_back(std::move(e));
  }
  return out;
}

std::set<std::int32_t> final_ranks(const std::string& path, const RunMeta& meta) {
  std::set<std::int32_t> ranks;
  if (!h5::file_exists(path)) return ranks;
  check_same_run_if_exists(path, run_kind::final_models, meta);
  for (const auto& e : read_final(path, false).entries) ranks.insert(e.rank);
  return ranks;
}

}  // namespace apq
