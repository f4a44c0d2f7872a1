#include "io/dataset_store.hpp"

#include "io/eval_score_columns.hpp"

#include <iostream>
#include <stdexcept>

namespace apq {

using h5::DType;

namespace {
std::vector<ColumnSpec> joined(std::vector<ColumnSpec> a, const std::vector<ColumnSpec>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}
}  // namespace

std::vector<ColumnSpec> fp_item_columns(std::int64_t arch_code_size) {
  return joined(joined({{"id", DType::i64, 0, ""},
                        {"arch", DType::str, 0, ""},
                        {"arch_code", DType::f32, arch_code_size, "one-hot"}},
                       eval_score_columns()),
                {{"seconds", DType::f64, 0, "s"}});
}

std::vector<ColumnSpec> quant_item_columns(std::int64_t arch_code_size, std::int64_t policy_code_size) {
  return joined(
      joined({{"id", DType::i64, 0, ""},
          {"arch", DType::str, 0, ""},
          {"arch_code", DType::f32, arch_code_size, "one-hot"},
          {"policy", DType::str, 0, ""},
          {"policy_code", DType::f32, policy_code_size, "one-hot"},
          {"kind", DType::i32, 0, ""},
          {"group", DType::i64, 0, ""}},
         eval_score_columns()),
      {{"fp_accuracy", DType::f64, 0, "fraction"},
       {"bitops", DType::f64, 0, "bit operations"},
       {"latency_ms", DType::f64, 0, "ms"},
       {"energy_mj", DType::f64, 0, "mJ"},
       {"seconds", DType::f64, 0, "s"}});
}

std::vector<ColumnSpec> failed_columns() {
  return {{"id", DType::i64, 0, ""}, {"reason", DType::str, 0, ""}};
}

// ---- DatasetWriter --------------------------------------------------------------------------

DatasetWriter::DatasetWriter(std::string path, std::string kind, RunMeta meta, std::vector<ColumnSpec> items)
    : path_(std::move(path)), kind_(std::move(kind)), meta_(std::move(meta)), item_columns_(std::move(items)) {
  for (const auto& c : item_columns_)
    if (c.width < 0) throw std::invalid_argument(path_ + ": column '" + c.name + "' has a negative width");
  if (h5::file_exists(path_)) reopen_file();
  else create_file();
  file_.emplace(RunFile::open_append(path_));
}

void DatasetWriter::create_file() {
  h5::File file = h5::File::create(path_);  // temp + rename: no half-made file after a crash
  stamp_run_file(file, kind_, meta_);
  create_columns(file, "items", item_columns_);
  create_columns(file, "failed", failed_columns());
  file.commit();
}

void DatasetWriter::reopen_file() {
  // Checked read-only first, so a file of another run is left byte-identical.
  check_same_run_if_exists(path_, kind_, meta_);
  RunFile file = RunFile::open_append(path_);
  h5::Group items = file.open_group("items");
  h5::Group failed = file.open_group("failed");
  check_columns(items, item_columns_);
  check_columns(failed, failed_columns());
  repaired_rows_ = repair_torn_rows(items, item_columns_) + repair_torn_rows(failed, failed_columns());
  if (repaired_rows_ > 0) file.flush();
  for (auto id : read_column<std::int64_t>(items, "id", complete_rows(items, item_columns_))) items_.insert(id);
  for (auto id : read_column<std::int64_t>(failed, "id", complete_rows(failed, failed_columns())))
    failed_.insert(id);
}

void DatasetWriter::check_new_id(std::int64_t id) const {
  if (items_.count(id)) throw std::invalid_argument(path_ + ": item " + std::to_string(id) + " is already stored");
  if (failed_.count(id))
    throw std::invalid_argument(path_ + ": item " + std::to_string(id) + " is already recorded as failed");
}

void DatasetWriter::check_code(const char* what, const std::vector<float>& code, std::int64_t width) const {
  if (static_cast<std::int64_t>(code.size()) != width)
    throw std::invalid_argument(path_ + ": " + what + " has " + std::to_string(code.size()) +
                                " values, the file stores " + std::to_string(width));
}

bool DatasetWriter::take_id_and_due(std::int64_t id) {
  check_new_id(id);
  items_.insert(id);
  return batch_seconds_ <= 0 || !last_write_ ||
         std::chrono::duration<double>(std::chrono::steady_clock::now() - *last_write_).count() >= batch_seconds_;
}

void DatasetWriter::append_rows(const std::function<void(h5::Group& items)>& fill) {
  require_space_to_append(path_);
  h5::Group items = file_->open_group("items");
  try {
    fill(items);
  } catch (...) {
    repair_torn_rows(items, item_columns_);  // do not leave half rows behind
    throw;
  }
  file_->flush();
  last_write_ = std::chrono::steady_clock::now();
}

void DatasetWriter::sync_at_exit() noexcept {
  try {
    sync();
  } catch (const std::exception& e) {
    std::cerr << "apq-actors: " << e.what() << " (the items not written are recomputed by a rerun)" << std::endl;
  }
}

void DatasetWriter::append_failure(const FailedItem& failure) {
  check_new_id(failure.id);
  require_space_to_append(path_);
  h5::Group failed = file_->open_group("failed");
  try {
    failed.open_table("id").append<std::int64_t>({failure.id});
    failed.open_table("reason").append_strings({failure.reason});
  } catch (...) {
    repair_torn_rows(failed, failed_columns());
    throw;
  }
  file_->flush();
  failed_.insert(failure.id);
}

// ---- typed writers --------------------------------------------------------------------------

FpDatasetWriter::FpDatasetWriter(const std::string& path, const RunMeta& meta, std::int64_t arch_code_size)
    : DatasetWriter(path, run_kind::fp_dataset, meta, fp_item_columns(arch_code_size)),
      arch_code_size_(arch_code_size) {}

void FpDatasetWriter::append(const FpRecord& r) {
  check_code("arch_code", r.arch_code, arch_code_size_);
  const bool due = take_id_and_due(r.id);
  pending_.push_back(r);
  if (due) sync();
}

void FpDatasetWriter::sync() {
  if (pending_.empty()) return;
  std::vector<std::int64_t> ids;
  std::vector<std::string> archs;
  std::vector<float> codes;
  std::vector<EvalScore> scores;
  std::vector<double> seconds;
  for (const auto& r : pending_) {
    ids.push_back(r.id);
    archs.push_back(r.arch);
    codes.insert(codes.end(), r.arch_code.begin(), r.arch_code.end());
    scores.push_back(r.score);
    seconds.push_back(r.seconds);
  }
  append_rows([&](h5::Group& items) {
    items.open_table("id").append<std::int64_t>(ids);
    items.open_table("arch").append_strings(archs);
    items.open_table("arch_code").append<float>(codes);
    append_eval_scores(items, scores);
    items.open_table("seconds").append<double>(seconds);
  });
  pending_.clear();
}

QuantDatasetWriter::QuantDatasetWriter(const std::string& path, const RunMeta& meta,
                                       std::int64_t arch_code_size, std::int64_t policy_code_size)
    : DatasetWriter(path, run_kind::quant_dataset, meta, quant_item_columns(arch_code_size, policy_code_size)),
      arch_code_size_(arch_code_size),
      policy_code_size_(policy_code_size) {}

void QuantDatasetWriter::append(const QuantRecord& r) {
  check_code("arch_code", r.arch_code, arch_code_size_);
  check_code("policy_code", r.policy_code, policy_code_size_);
  const auto kind = static_cast<std::int32_t>(r.kind);
  if (kind < 0 || kind > 2)
    throw std::invalid_argument(path() + ": item " + std::to_string(r.id) + " has kind " + std::to_string(kind));
  const bool due = take_id_and_due(r.id);
  pending_.push_back(r);
  if (due) sync();
}

void QuantDatasetWriter::sync() {
  if (pending_.empty()) return;
  std::vector<std::int64_t> ids, groups;
  std::vector<std::string> archs, policies;
  std::vector<float> arch_codes, policy_codes;
  std::vector<std::int32_t> kinds;
  std::vector<EvalScore> scores;
  std::vector<double> fp_accuracy, bitops, latency, energy, seconds;
  for (const auto& r : pending_) {
    ids.push_back(r.id);
    archs.push_back(r.arch);
    arch_codes.insert(arch_codes.end(), r.arch_code.begin(), r.arch_code.end());
    policies.push_back(r.policy);
    policy_codes.insert(policy_codes.end(), r.policy_code.begin(), r.policy_code.end());
    kinds.push_back(static_cast<std::int32_t>(r.kind));
    groups.push_back(r.group);
    scores.push_back(r.score);
    fp_accuracy.push_back(r.fp_accuracy);
    bitops.push_back(r.bitops);
    latency.push_back(r.latency_ms);
    energy.push_back(r.energy_mj);
    seconds.push_back(r.seconds);
  }
  append_rows([&](h5::Group& items) {
    items.open_table("id").append<std::int64_t>(ids);
    items.open_table("arch").append_strings(archs);
    items.open_table("arch_code").append<float>(arch_codes);
    items.open_table("policy").append_strings(policies);
    items.open_table("policy_code").append<float>(policy_codes);
    items.open_table("kind").append<std::int32_t>(kinds);
    items.open_table("group").append<std::int64_t>(groups);
    append_eval_scores(items, scores);
    items.open_table("fp_accuracy").append<double>(fp_accuracy);
    items.open_table("bitops").append<double>(bitops);
    items.open_table("latency_ms").append<double>(latency);
    items.open_table("energy_mj").append<double>(energy);
    items.open_table("seconds").append<double>(seconds);
  });
  pending_.clear();
}

// ---- readers --------------------------------------------------------------------------------

namespace {

std::int64_t width_of(const h5::Group& items, const std::string& name) {
  return items.open_table(name).columns();
}

std::vector<FailedItem> read_failures(const h5::Group& root) {
  const h5::Group failed = root.open_group("failed");
  const std::int64_t n = complete_rows(failed, failed_columns());
  const auto ids = read_column<std::int64_t>(failed, "id", n);
  const auto reasons = read_string_column(failed, "reason", n);
  std::vector<FailedItem> out(static_cast<std::size_t>(n));
  for (std::size_t i = 0; i < out.size(); ++i) out[i] = {ids[i], reasons[i]};
  return out;
}

void require_kind(const RunFile& file, const std::string& kind) {
  const std::string found = run_file_kind(file);
  if (found != kind)
    throw std::runtime_error(file.path() + ": is an apq-actors " + found + " file, not " + kind);
}

}  // namespace

FpDataset read_fp_dataset(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  require_kind(file, run_kind::fp_dataset);
  const h5::Group items = file.open_group("items");
  const auto columns = fp_item_columns(width_of(items, "arch_code"));
  check_columns(items, columns);
  const std::int64_t n = complete_rows(items, columns);
  const auto ids = read_column<std::int64_t>(items, "id", n);
  const auto archs = read_string_column(items, "arch", n);
  const auto codes = read_code_column(items, "arch_code", n);
  const auto scores = read_eval_scores(items, n);
  const auto secs = read_column<double>(items, "seconds", n);
  FpDataset out;
  out.meta = read_run_meta(file);
  for (std::size_t i = 0; i < ids.size(); ++i) out.records.push_back({ids[i], archs[i], codes[i], scores[i], secs[i]});
  out.failed = read_failures(file);
  return out;
}

QuantDataset read_quant_dataset(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  require_kind(file, run_kind::quant_dataset);
  const h5::Group items = file.open_group("items");
  const auto columns = quant_item_columns(width_of(items, "arch_code"), width_of(items, "policy_code"));
  check_columns(items, columns);
  const std::int64_t n = complete_rows(items, columns);
  const auto ids = read_column<std::int64_t>(items, "id", n);
  const auto archs = read_string_column(items, "arch", n);
  const auto arch_codes = read_code_column(items, "arch_code", n);
  const auto policies = read_string_column(items, "policy", n);
  const auto policy_codes = read_code_column(items, "policy_code", n);
  const auto kinds = read_column<std::int32_t>(items, "kind", n);
  const auto groups = read_column<std::int64_t>(items, "group", n);
  const auto scores = read_eval_scores(items, n);
  const auto fp_acc = read_column<double>(items, "fp_accuracy", n);
  const auto bitops = read_column<double>(items, "bitops", n);
  const auto latency = read_column<double>(items, "latency_ms", n);
  const auto energy = read_column<double>(items, "energy_mj", n);
  const auto secs = read_column<double>(items, "seconds", n);
  QuantDataset out;
  out.meta = read_run_meta(file);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    QuantRecord r;
    r.id = ids[i];
    r.arch = archs[i];
    r.arch_code = arch_codes[i];
    r.policy = policies[i];
    r.policy_code = policy_codes[i];
    r.kind = static_cast<QuantItemKind>(kinds[i]);
    r.group = groups[i];
    r.score = scores[i];
    r.fp_accuracy = fp_acc[i];
    r.bitops = bitops[i];
    r.latency_ms = latency[i];
    r.energy_mj = energy[i];
    r.seconds = secs[i];
    out.records.push_back(std::move(r));
  }
  out.failed = read_failures(file);
  return out;
}

}  // namespace apq
