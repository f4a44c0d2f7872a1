#include "io/final_store.hpp"

#include <algorithm>
#include <stdexcept>

#include "io/record_fields.hpp"

namespace apq {

using h5::DType;

namespace {

const RecordFields<FinalEntry>& report_fields() {
  using E = FinalEntry;
  static const RecordFields<E> fields = {field("rank", &E::rank),
                                         field("arch", &E::arch),
                                         field("policy", &E::policy),
                                         field("predicted_accuracy", &E::predicted_accuracy, "fraction"),
                                         field("val_accuracy", &E::val_accuracy, "fraction"),
                                         field("test_accuracy", &E::test_accuracy, "fraction"),
                                         field("latency_ms", &E::latency_ms, "ms"),
                                         field("energy_mj", &E::energy_mj, "mJ"),
                                         field("bitops", &E::bitops, "bit operations"),
                                         field("fine_tune_epochs", &E::fine_tune_epochs, "epochs"),
                                         field("predicted_stddev", &E::predicted_stddev, "fraction"),
                                         field("method", &E::method),
                                         field("val_images", &E::val_images, "images"),
                                         field("test_images", &E::test_images, "images")};
  return fields;
}

// Columns added after final.h5 files existed: read when present, else the member keeps its default.
const RecordFields<FinalEntry>& later_report_fields() {
  using E = FinalEntry;
  static const RecordFields<E> fields = {field("label_recipe_val_accuracy", &E::label_recipe_val_accuracy, "fraction"),
                                         field("forecast_val_accuracy", &E::forecast_val_accuracy, "fraction"),
                                         field("forecast_stddev", &E::forecast_stddev, "fraction")};
  return fields;
}

const RecordFields<FinalEntry>& all_report_fields() {
  static const RecordFields<FinalEntry> fields = joined(report_fields(), later_report_fields());
  return fields;
}

const std::vector<std::string> kBlockColumns = {"slot",         "stage",     "kernel",    "in_channels",
                                                "mid_channels", "out_channels", "stride", "residual",
                                                "pw_w_bits",    "pw_a_bits", "dw_w_bits", "dw_a_bits"};

std::vector<std::int32_t> block_values(const FinalBlock& b) {
  return {b.slot,     b.stage,     b.kernel,    b.in_channels, b.mid_channels, b.out_channels,
          b.stride,   b.residual,  b.pw_w_bits, b.pw_a_bits,   b.dw_w_bits,    b.dw_a_bits};
}

FinalBlock block_of(const std::int32_t* v) {
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11]};
}

std::string join(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ",") + n;
  return out;
}

void write_model(h5::File& file, const FinalEntry& e) {
  const std::string group_path = "models/" + std::to_string(e.rank);
  write_named_arrays(file, group_path + "/state_dict", e.state_dict);
  h5::Group group = file.open_group(group_path);
  group.set_double_attr("input_mean", e.input_mean);
  group.set_double_attr("input_stddev", e.input_stddev);
  std::vector<std::int32_t> values;
  for (const auto& b : e.blocks) {
    const auto row = block_values(b);
    values.insert(values.end(), row.begin(), row.end());
  }
  group.write("blocks", {static_cast<std::int64_t>(e.blocks.size()), static_cast<std::int64_t>(kBlockColumns.size())}, values);
  group.open_dataset("blocks").set_string_attr("columns", join(kBlockColumns));
}

// Files written before the state dict had its own names keep "model/"-prefixed weights.
NamedArrays read_state_dict(const h5::Group& model) {
  if (model.exists("state_dict")) return read_named_arrays(model, "state_dict");
  NamedArrays arrays = read_named_arrays(model, "weights");
  for (auto& a : arrays)
    if (a.name.rfind("model/", 0) == 0) a.name = a.name.substr(6);
  return arrays;
}

void read_model(const h5::Group& models, FinalEntry& e, bool with_weights) {
  const std::string name = std::to_string(e.rank);
  if (!models.exists(name)) return;
  const h5::Group model = models.open_group(name);
  if (model.has_attr("input_mean")) {
    e.input_mean = static_cast<float>(model.double_attr("input_mean"));
    e.input_stddev = static_cast<float>(model.double_attr("input_stddev"));
  }
  if (model.exists("blocks")) {
    const auto values = model.read<std::int32_t>("blocks");
    for (std::size_t at = 0; at + kBlockColumns.size() <= values.size(); at += kBlockColumns.size())
      e.blocks.push_back(block_of(values.data() + at));
  }
  if (with_weights) e.state_dict = read_state_dict(model);
}

void write_final(const std::string& path, const RunMeta& meta, const std::vector<FinalEntry>& entries,
                 const std::vector<std::int32_t>& val_indices) {
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::final_models, meta);
  create_columns(file, "report", columns_of(all_report_fields()));
  h5::Group report = file.open_group("report");
  append_records(report, all_report_fields(), entries);
  if (!val_indices.empty()) file.write("val_indices", {static_cast<std::int64_t>(val_indices.size())}, val_indices);
  file.create_group("models");
  for (const auto& e : entries) write_model(file, e);
  file.commit();
}

}  // namespace

void add_final_entry(const std::string& path, const RunMeta& meta, const FinalEntry& entry,
                     const std::vector<std::int32_t>& val_indices) {
  if (entry.rank < 0) throw std::invalid_argument(path + ": final entry with negative rank");
  std::vector<FinalEntry> entries;
  std::vector<std::int32_t> indices = val_indices;
  if (h5::file_exists(path)) {
    check_same_run_if_exists(path, run_kind::final_models, meta);
    FinalFile existing = read_final(path, true);
    entries = std::move(existing.entries);
    if (indices.empty()) indices = std::move(existing.val_indices);
  }
  for (const auto& e : entries)
    if (e.rank == entry.rank)
      throw std::invalid_argument(path + ": rank " + std::to_string(entry.rank) + " is already stored");
  entries.push_back(entry);
  std::sort(entries.begin(), entries.end(), [](const auto& a, const auto& b) { return a.rank < b.rank; });
  write_final(path, meta, entries, indices);
}

FinalFile read_final(const std::string& path, bool with_weights) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::final_models)
    throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::final_models);
  FinalFile out;
  out.meta = read_run_meta(file);
  const h5::Group r = file.open_group("report");
  const auto columns = columns_of(report_fields());
  check_columns(r, columns);
  out.entries = read_records(r, report_fields(), complete_rows(r, columns));
  read_later_records(r, later_report_fields(), out.entries);
  if (file.exists("val_indices")) out.val_indices = file.read<std::int32_t>("val_indices");
  const h5::Group models = file.open_group("models");
  for (auto& e : out.entries) read_model(models, e, with_weights);
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
