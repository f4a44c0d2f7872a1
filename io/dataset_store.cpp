#include "io/dataset_store.hpp"

#include <iostream>
#include <stdexcept>

#include "io/eval_score_columns.hpp"

namespace apq {

using h5::DType;

namespace {

RecordFields<FpRecord> fp_fields(std::int64_t arch_code_size) {
  using R = FpRecord;
  return joined(joined(RecordFields<R>{field("id", &R::id), field("arch", &R::arch),
                                       code_field("arch_code", &R::arch_code, arch_code_size, "one-hot")},
                       part_fields(eval_score_fields(), &R::score)),
                RecordFields<R>{field("seconds", &R::seconds, "s")});
}

RecordFields<QuantRecord> quant_fields(std::int64_t arch_code_size, std::int64_t policy_code_size) {
  using R = QuantRecord;
  const auto kind = mapped_field<std::int32_t, R>(
      "kind", "", [](const R& r) { return static_cast<std::int32_t>(r.kind); },
      [](R& r, std::int32_t v) { r.kind = static_cast<QuantItemKind>(v); });
  return joined(joined(RecordFields<R>{field("id", &R::id), field("arch", &R::arch),
                                       code_field("arch_code", &R::arch_code, arch_code_size, "one-hot"),
                                       field("policy", &R::policy),
                                       code_field("policy_code", &R::policy_code, policy_code_size, "one-hot"), kind,
                                       field("group", &R::group)},
                       part_fields(eval_score_fields(), &R::score)),
                RecordFields<R>{field("fp_accuracy", &R::fp_accuracy, "fraction"),
                                field("bitops", &R::bitops, "bit operations"), field("latency_ms", &R::latency_ms, "ms"),
                                field("energy_mj", &R::energy_mj, "mJ"), field("seconds", &R::seconds, "s")});
}

const RecordFields<FailedItem>& failed_fields() {
  static const RecordFields<FailedItem> fields = {field("id", &FailedItem::id), field("reason", &FailedItem::reason)};
  return fields;
}

}  // namespace

std::vector<ColumnSpec> fp_item_columns(std::int64_t arch_code_size) { return columns_of(fp_fields(arch_code_size)); }

std::vector<ColumnSpec> quant_item_columns(std::int64_t arch_code_size, std::int64_t policy_code_size) {
  return columns_of(quant_fields(arch_code_size, policy_code_size));
}

std::vector<ColumnSpec> failed_columns() { return columns_of(failed_fields()); }

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
    append_records(failed, failed_fields(), {failure});
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
  const auto fields = fp_fields(arch_code_size_);
  append_rows([&](h5::Group& items) { append_records(items, fields, pending_); });
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
  if (kind < 0 || kind > static_cast<std::int32_t>(QuantItemKind::search_round))
    throw std::invalid_argument(path() + ": item " + std::to_string(r.id) + " has kind " + std::to_string(kind));
  const bool due = take_id_and_due(r.id);
  pending_.push_back(r);
  if (due) sync();
}

void QuantDatasetWriter::sync() {
  if (pending_.empty()) return;
  const auto fields = quant_fields(arch_code_size_, policy_code_size_);
  append_rows([&](h5::Group& items) { append_records(items, fields, pending_); });
  pending_.clear();
}

// ---- readers --------------------------------------------------------------------------------

namespace {

std::int64_t width_of(const h5::Group& items, const std::string& name) {
  return items.open_table(name).columns();
}

std::vector<FailedItem> read_failures(const h5::Group& root) {
  const h5::Group failed = root.open_group("failed");
  return read_records(failed, failed_fields(), complete_rows(failed, failed_columns()));
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
  const auto fields = fp_fields(width_of(items, "arch_code"));
  const auto columns = columns_of(fields);
  check_columns(items, columns);
  FpDataset out;
  out.meta = read_run_meta(file);
  out.records = read_records(items, fields, complete_rows(items, columns));
  out.failed = read_failures(file);
  return out;
}

QuantDataset read_quant_dataset(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  require_kind(file, run_kind::quant_dataset);
  const h5::Group items = file.open_group("items");
  const auto fields = quant_fields(width_of(items, "arch_code"), width_of(items, "policy_code"));
  const auto columns = columns_of(fields);
  check_columns(items, columns);
  QuantDataset out;
  out.meta = read_run_meta(file);
  out.records = read_records(items, fields, complete_rows(items, columns));
  out.failed = read_failures(file);
  return out;
}

}  // namespace apq
