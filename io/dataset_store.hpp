// fp_dataset.h5 and quant_dataset.h5: the <architecture, accuracy> and <architecture, policy,
// accuracy> datasets, one row per item in the columns of /items, failures in /failed (layout in
// docs/HDF5.md). A writer reopens an existing file of the same run (repairing a torn last item),
// keeps it open (without file locks) and appends one item at a time, flushing after each, so
// readers see complete items and a crash loses at most the item in flight. (Keeping it open
// matters: every HDF5 open session starts a new 4 KiB heap for variable-length strings.)
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "base/eval_score.hpp"
#include "io/hdf5_file.hpp"
#include "io/item_columns.hpp"
#include "io/run_meta.hpp"

namespace apq {

struct FpRecord {
  std::int64_t id = 0;
  std::string arch;              // readable, e.g. "k3m48 k5m64 | k7m96"
  std::vector<float> arch_code;  // one-hot encoding, arch_code_size values
  EvalScore score;               // validation top-1 (score.top1, a fraction), loss and halves
  double seconds = 0.0;          // wall time the item took
};

// random_pair: a random architecture and policy; policy_group: one of several policies of one
// architecture; search_round: a search round's best candidate, measured to retrain the predictor
// where the search looks (group = the round).
enum class QuantItemKind : std::int32_t { random_pair = 0, policy_group = 1, search_round = 2 };

struct QuantRecord {
  std::int64_t id = 0;
  std::string arch;
  std::vector<float> arch_code;
  std::string policy;              // readable bit widths
  std::vector<float> policy_code;  // policy_code_size values
  QuantItemKind kind = QuantItemKind::random_pair;
  std::int64_t group = -1;  // architecture group for policy_group items, -1 otherwise
  EvalScore score;          // validation top-1, loss and halves after quantization-aware fine-tuning
  double fp_accuracy = std::numeric_limits<double>::quiet_NaN();  // same subnet unquantized
  double bitops = 0.0;      // bit operations (MACs x weight bits x activation bits)
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double seconds = 0.0;
};

struct FailedItem {
  std::int64_t id = 0;
  std::string reason;  // the last error, after retries
};

// What both dataset writers share: create-or-reopen, the ids on disk, failures.
class DatasetWriter {
 public:
  const std::string& path() const { return path_; }
  bool contains(std::int64_t id) const { return items_.count(id) || failed_.count(id); }
  const std::set<std::int64_t>& item_ids() const { return items_; }     // complete items
  const std::set<std::int64_t>& failed_ids() const { return failed_; }  // recorded failures
  std::int64_t repaired_rows() const { return repaired_rows_; }  // torn rows removed on open
  void append_failure(const FailedItem& failure);
  // Batching: appended items are kept in memory and written together (one write per column)
  // once `seconds` have passed since the last write, and by sync() and the destructor. A crash
  // then loses at most that long of finished items, which a rerun recomputes. 0 (the default):
  // every item is written and flushed as it is appended.
  void set_batch_seconds(double seconds) { batch_seconds_ = seconds; }
  // Writes the items kept in memory.
  virtual void sync() = 0;
  virtual ~DatasetWriter() = default;

 protected:
  DatasetWriter(std::string path, std::string kind, RunMeta meta, std::vector<ColumnSpec> items);
  // Takes an item's id (throws if it is stored or failed already) and says whether the items kept
  // in memory are due to be written now.
  bool take_id_and_due(std::int64_t id);
  // Writes rows whose columns `fill` appends (one write per column); on failure the torn rows are
  // removed again.
  void append_rows(const std::function<void(h5::Group& items)>& fill);
  void check_code(const char* what, const std::vector<float>& code, std::int64_t width) const;
  // For the destructors of the typed writers: sync(), reporting a failure on stderr.
  void sync_at_exit() noexcept;

 private:
  void create_file();
  void reopen_file();
  void check_new_id(std::int64_t id) const;
  double batch_seconds_ = 0;
  // Unset until the first write: the first item is always due (steady_clock counts from boot, so
  // a default time point is not "long ago" on a machine up for less than the batch interval).
  std::optional<std::chrono::steady_clock::time_point> last_write_;
  std::optional<RunFile> file_;  // open for appending while the writer lives
  std::string path_;
  std::string kind_;
  RunMeta meta_;
  std::vector<ColumnSpec> item_columns_;
  std::set<std::int64_t> items_;
  std::set<std::int64_t> failed_;
  std::int64_t repaired_rows_ = 0;
};

class FpDatasetWriter : public DatasetWriter {
 public:
  FpDatasetWriter(const std::string& path, const RunMeta& meta, std::int64_t arch_code_size);
  ~FpDatasetWriter() override { sync_at_exit(); }
  void append(const FpRecord& record);
  void sync() override;

 private:
  std::int64_t arch_code_size_;
  std::vector<FpRecord> pending_;
};

class QuantDatasetWriter : public DatasetWriter {
 public:
  QuantDatasetWriter(const std::string& path, const RunMeta& meta, std::int64_t arch_code_size,
                     std::int64_t policy_code_size);
  ~QuantDatasetWriter() override { sync_at_exit(); }
  void append(const QuantRecord& record);
  void sync() override;

 private:
  std::int64_t arch_code_size_;
  std::int64_t policy_code_size_;
  std::vector<QuantRecord> pending_;
};

struct FpDataset {
  RunMeta meta;
  std::vector<FpRecord> records;  // complete items, in file order
  std::vector<FailedItem> failed;
};
struct QuantDataset {
  RunMeta meta;
  std::vector<QuantRecord> records;
  std::vector<FailedItem> failed;
};

// Read-only; a file still being written reads as its complete items.
FpDataset read_fp_dataset(const std::string& path);
QuantDataset read_quant_dataset(const std::string& path);

// The column layouts (also what apq-h5 and the docs describe).
std::vector<ColumnSpec> fp_item_columns(std::int64_t arch_code_size);
std::vector<ColumnSpec> quant_item_columns(std::int64_t arch_code_size, std::int64_t policy_code_size);
std::vector<ColumnSpec> failed_columns();

}  // namespace apq
