#include "io/run_meta.hpp"

#include <sys/statvfs.h>

#include <filesystem>
#include <stdexcept>

#include "io/hdf5_detail.hpp"

namespace apq {

namespace {

const std::string kPrefix = "apq-actors/";

[[noreturn]] void fail_open(const std::string& path, const std::string& what) { h5::detail::throw_error(path, what); }

std::string short_text(const std::string& s) {
  return s.size() <= 60 ? s : s.substr(0, 57) + "...";
}

}  // namespace

void stamp_run_file(h5::Group& root, const std::string& kind, const RunMeta& meta) {
  root.set_string_attr("schema", kPrefix + kind);
  root.set_int_attr("schema_version", kRunFileSchemaVersion);
  root.set_string_attr("created_by", "apq-actors " + (meta.version.empty() ? "unknown" : meta.version));
  root.set_int_attr("seed", meta.seed);
  root.set_string_attr("space", meta.space);
  root.set_string_attr("config", meta.config);
}

std::string run_file_kind(const h5::Group& root, int* version) {
  const std::string& path = root.file_path();
  if (!root.has_attr("schema"))
    throw std::runtime_error(path + ": not an apq-actors file (schema attribute missing)");
  const std::string schema = root.string_attr("schema");
  if (schema.rfind(kPrefix, 0) != 0 || schema.size() == kPrefix.size())
    throw std::runtime_error(path + ": not an apq-actors file (schema is '" + short_text(schema) + "')");
  if (!root.has_attr("schema_version"))
    throw std::runtime_error(path + ": " + schema + " file without schema_version attribute");
  const std::int64_t v = root.int_attr("schema_version");
  if (v < 1 || v > kRunFileSchemaVersion)
    throw std::runtime_error(path + ": " + schema + " schema version " + std::to_string(v) +
                             " is not supported (this build reads version 1 to " +
                             std::to_string(kRunFileSchemaVersion) + ")");
  if (version) *version = static_cast<int>(v);
  return schema.substr(kPrefix.size());
}

RunMeta read_run_meta(const h5::Group& root) {
  RunMeta meta;
  if (root.has_attr("seed")) meta.seed = root.int_attr("seed");
  if (root.has_attr("space")) meta.space = root.string_attr("space");
  if (root.has_attr("config")) meta.config = root.string_attr("config");
  if (root.has_attr("created_by")) {
    const std::string by = root.string_attr("created_by");
    const std::string prefix = "apq-actors ";
    meta.version = by.rfind(prefix, 0) == 0 ? by.substr(prefix.size()) : by;
  }
  return meta;
}

void check_same_run(const h5::Group& root, const std::string& kind, const RunMeta& meta) {
  const std::string& path = root.file_path();
  const std::string found = run_file_kind(root);
  if (found != kind)
    throw std::runtime_error(path + ": is an apq-actors " + found + " file, not " + kind +
                             "; refusing to touch it");
  const RunMeta stored = read_run_meta(root);
  if (!root.has_attr("seed") || stored.seed != meta.seed)
    throw std::runtime_error(path + ": written for another run (seed " +
                             (root.has_attr("seed") ? std::to_string(stored.seed) : "missing") +
                             " in the file, " + std::to_string(meta.seed) +
                             " in this run); refusing to touch it");
  if (stored.space != meta.space)
    throw std::runtime_error(path + ": written for another run (search space '" +
                             short_text(stored.space) + "' in the file, '" + short_text(meta.space) +
                             "' in this run); refusing to touch it");
}

void check_same_run_if_exists(const std::string& path, const std::string& kind, const RunMeta& meta) {
  if (!h5::file_exists(path)) return;
  const RunFile file = RunFile::open_read(path);
  check_same_run(file, kind, meta);
}

RunFile RunFile::open_read(const std::string& path) { return open_with(path, false); }
RunFile RunFile::open_append(const std::string& path) { return open_with(path, true); }

RunFile RunFile::open_with(const std::string& path, bool writable) {
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  if (!h5::file_exists(path)) throw std::runtime_error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    h5::detail::take_error_message();
    throw std::runtime_error(path + ": not an HDF5 file");
  }
  // No file locks: one writer per file by design, and a reader holding the file open (an h5py
  // session, say) must not make the writer fail. Readers see what the last flush wrote.
  h5::Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_file_locking(fapl.get(), 0, 1);
  h5::Handle file(H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl.get()));
  if (!file.valid()) fail_open(path, writable ? "cannot open for writing" : "cannot open");
  h5::Handle root(H5Gopen2(file.get(), "/", H5P_DEFAULT));
  if (!root.valid()) fail_open(path, "cannot open the root group");
  return RunFile(std::move(file), std::move(root), path);
}

void RunFile::flush() {
  if (H5Fflush(file_.get(), H5F_SCOPE_LOCAL) < 0) fail_open(path(), "cannot flush");
}

void require_space_to_append(const std::string& path) {
  const std::string dir = std::filesystem::path(path).parent_path().string();
  struct statvfs fs {};
  if (::statvfs(dir.empty() ? "." : dir.c_str(), &fs) != 0) return;  // unknown: HDF5 reports a failure itself
  const std::uint64_t free = static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize;
  if (free >= kAppendReserveBytes) return;
  throw std::runtime_error(path + ": cannot append: " + std::to_string(free / 1024) + " KiB free on its file system, less than the " +
                           std::to_string(kAppendReserveBytes / 1024) +
                           " KiB kept free so that an append is never torn (No space left on device); free some space and rerun");
}

}  // namespace apq
