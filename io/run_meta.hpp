// What every run-directory HDF5 file carries at its root (layout in docs/HDF5.md): the schema
// ("apq-actors/<kind>", version 1), who wrote it, and which run it belongs to (seed, search space,
// resolved config). Also the opener all run files use: HDF5 file locking switched off, so the one
// writer of a file and any number of readers (h5py, h5dump, apq-h5) never block each other.
#pragma once
#include <cstdint>
#include <string>

#include "io/hdf5_file.hpp"

namespace apq {

inline constexpr int kRunFileSchemaVersion = 1;

// The kinds of run files (the part of the schema after "apq-actors/").
namespace run_kind {
inline constexpr const char* fp_dataset = "fp-dataset";
inline constexpr const char* quant_dataset = "quant-dataset";
inline constexpr const char* supernet = "supernet";
inline constexpr const char* predictors = "predictors";
inline constexpr const char* search = "search";
inline constexpr const char* final_models = "final";
inline constexpr const char* report = "report";
}  // namespace run_kind

struct RunMeta {
  std::int64_t seed = 0;
  std::string space;    // readable search-space spec, as the caller prints it
  std::string config;   // the resolved configuration text
  std::string version;  // software version for created_by ("apq-actors <version>"); "" -> "unknown"
};

// Writes schema, schema_version, created_by, seed, space and config on root.
void stamp_run_file(h5::Group& root, const std::string& kind, const RunMeta& meta);

// The kind of an apq-actors file ("fp-dataset"), its schema version in *version. Throws
// "<path>: not an apq-actors file (schema attribute missing)" for a foreign file, and a clear
// one-line error for another schema family or an unsupported version.
std::string run_file_kind(const h5::Group& root, int* version = nullptr);

// seed, space, config and version (from created_by) of a file; missing attributes stay empty/0.
RunMeta read_run_meta(const h5::Group& root);

// Throws unless root is an apq-actors/<kind> file of a supported version written for the run
// described by meta (same seed and same space). Used before appending to or replacing a file.
void check_same_run(const h5::Group& root, const std::string& kind, const RunMeta& meta);

// Same check for a path: does nothing if the file does not exist.
void check_same_run_if_exists(const std::string& path, const std::string& kind, const RunMeta& meta);

// Files appended in place (the datasets, the search history) are not written when their file
// system has less than this free: HDF5 runs out of space half way through a flush and leaves a file
// that cannot be read back, while a stop before the append keeps every row (whole-file writes,
// temp + rename, are safe without it).
inline constexpr std::uint64_t kAppendReserveBytes = 1u << 20;

// Throws "<path>: cannot append: N KiB free on its file system, less than the 1024 KiB kept free
// ... (No space left on device)" when the file system holding path has less than
// kAppendReserveBytes available.
void require_space_to_append(const std::string& path);

// The root group of a run file opened with file locking off. Read-only or read-write in place;
// closing the object closes the file (once every group/table opened from it is gone too).
class RunFile : public h5::Group {
 public:
  static RunFile open_read(const std::string& path);
  static RunFile open_append(const std::string& path);
  const std::string& path() const { return file_path(); }
  void flush();  // everything written so far reaches the disk

 private:
  RunFile(h5::Handle file, h5::Handle root, const std::string& path)
      : h5::Group(std::move(root), path, "/"), file_(std::move(file)) {}
  static RunFile open_with(const std::string& path, bool writable);
  h5::Handle file_;
};

}  // namespace apq
