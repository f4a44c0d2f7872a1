// A small RAII layer over the HDF5 C API shared by every store (image sets, checkpoints, cost
// tables, search results). Failures become std::runtime_error with one line naming the file, the
// object and the problem; HDF5's own error-stack printing is switched off.
//
// hdf5.h is deliberately not included here: identifiers are carried as std::int64_t (hid_t in
// HDF5 1.10; checked in the .cpp). Code that needs the raw C API includes hdf5.h itself.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace apq::h5 {

using Id = std::int64_t;  // hid_t
using Shape = std::vector<std::int64_t>;

// Element types our datasets, tables and attributes use.
enum class DType { f32, f64, i32, i64, u8, str };
const char* dtype_name(DType t);

template <class T>
constexpr DType dtype_of() {
  if constexpr (std::is_same_v<T, float>) return DType::f32;
  else if constexpr (std::is_same_v<T, double>) return DType::f64;
  else if constexpr (std::is_same_v<T, std::int32_t>) return DType::i32;
  else if constexpr (std::is_same_v<T, std::int64_t>) return DType::i64;
  else if constexpr (std::is_same_v<T, std::uint8_t>) return DType::u8;
  else static_assert(!sizeof(T), "unsupported HDF5 element type");
}

std::int64_t element_count(const Shape& shape);  // product of dims (1 for a scalar)
std::string shape_string(const Shape& shape);     // "60000x1x28x28"

// Owns one HDF5 identifier and closes it with the function its kind needs.
class Handle {
 public:
  Handle() = default;
  explicit Handle(Id id) noexcept : id_(id) {}
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = -1; }
  Handle& operator=(Handle&& other) noexcept;
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  ~Handle() { reset(); }
  Id get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  Id release() noexcept {  // gives up ownership without closing
    const Id id = id_;
    id_ = -1;
    return id;
  }
  void reset() noexcept;

 private:
  Id id_ = -1;
};

// Anything that carries attributes: the file's root group, a group, a dataset, a table.
class Object {
 public:
  const std::string& file_path() const { return file_path_; }
  const std::string& name() const { return name_; }  // path inside the file, e.g. "/weights"
  Id id() const { return handle_.get(); }

  // Attributes are replaced if they exist. Strings are variable-length UTF-8 (str in h5py).
  void set_string_attr(const std::string& key, const std::string& value);
  void set_int_attr(const std::string& key, std::int64_t value);
  void set_double_attr(const std::string& key, double value);
  void set_int_array_attr(const std::string& key, const std::vector<std::int64_t>& values);
  void set_double_array_attr(const std::string& key, const std::vector<double>& values);
  bool has_attr(const std::string& key) const;
  // Readers accept fixed- or variable-length strings and any numeric type (converted by HDF5).
  std::string string_attr(const std::string& key) const;
  std::int64_t int_attr(const std::string& key) const;
  double double_attr(const std::string& key) const;
  std::vector<std::int64_t> int_array_attr(const std::string& key) const;
  std::vector<double> double_array_attr(const std::string& key) const;

  // Throws "<file>: <object>: <what> (<innermost HDF5 message, if any>)".
  [[noreturn]] void fail(const std::string& what) const;

 protected:
  Object() = default;
  Object(Handle handle, std::string file_path, std::string name)
      : handle_(std::move(handle)), file_path_(std::move(file_path)), name_(std::move(name)) {}
  std::string child_name(const std::string& child) const;
  void write_attr(const std::string& key, DType type, const void* data, std::int64_t count);
  std::vector<char> read_attr(const std::string& key, DType type, std::int64_t* count) const;

  Handle handle_;
  std::string file_path_;
  std::string name_;
};

// A dataset opened for inspection or attributes.
class Dataset : public Object {
 public:
  Shape shape() const;
  DType dtype() const;  // throws for types outside DType
  bool is_integer() const;

 protected:
  friend class Group;
  using Object::Object;
};

// A chunked dataset whose first dimension grows: 1-D (columns == 0) or 2-D (rows x columns).
// Rows are appended as items arrive; flush() pushes them to disk so a crash loses little.
class Table : public Dataset {
 public:
  std::int64_t rows() const;
  std::int64_t columns() const { return columns_; }  // 0 for a 1-D table
  template <class T>
  void append(const std::vector<T>& values) {  // whole rows, row-major
    append_raw(dtype_of<T>(), values.data(), static_cast<std::int64_t>(values.size()));
  }
  void append_strings(const std::vector<std::string>& values);  // 1-D string tables only
  template <class T>
  std::vector<T> read_rows(std::int64_t first, std::int64_t count) const {
    std::vector<T> out(static_cast<std::size_t>(count * std::max<std::int64_t>(columns_, 1)));
    read_rows_raw(dtype_of<T>(), first, count, out.data());
    return out;
  }
  std::vector<std::string> read_string_rows(std::int64_t first, std::int64_t count) const;
  void truncate(std::int64_t rows);  // drops rows from the end (e.g. a torn last item); never grows
  void flush();

 private:
  friend class Group;
  Table(Handle handle, std::string file_path, std::string name, std::int64_t columns)
      : Dataset(std::move(handle), std::move(file_path), std::move(name)), columns_(columns) {}
  void append_raw(DType type, const void* data, std::int64_t values);
  void read_rows_raw(DType type, std::int64_t first, std::int64_t count, void* out) const;
  std::int64_t columns_ = 0;
};

// A group (the root group of a file included). Names may be nested paths ("a/b/c") relative to it.
class Group : public Object {
 public:
  bool exists(const std::string& path) const;   // a link of that name (any kind) exists
  bool is_group(const std::string& path) const;
  Group create_group(const std::string& path);  // intermediate groups are created too
  Group open_group(const std::string& path) const;
  Group require_group(const std::string& path);  // open, or create if missing
  std::vector<std::string> children() const;     // direct members, in creation order if tracked
  void remove(const std::string& path);          // unlinks a member (its space is not reclaimed)

  // Whole N-d datasets; a shape {} is a scalar. deflate_level 1-9 stores it chunked and compressed.
  template <class T>
  void write(const std::string& name, const Shape& shape, const std::vector<T>& values,
             int deflate_level = 0) {
    write_raw(name, shape, dtype_of<T>(), values.data(), static_cast<std::int64_t>(values.size()),
              deflate_level);
  }
  // Numeric datasets of another element type are converted by HDF5 (out-of-range values are
  // clamped): check Dataset::dtype() first where that matters.
  template <class T>
  std::vector<T> read(const std::string& name, Shape* shape_out = nullptr) const {
    const Shape shape = open_dataset(name).shape();
    std::vector<T> out(static_cast<std::size_t>(element_count(shape)));
    read_raw(name, dtype_of<T>(), out.data(), static_cast<std::int64_t>(out.size()));
    if (shape_out) *shape_out = shape;
    return out;
  }
  void write_strings(const std::string& name, const std::vector<std::string>& values);
  std::vector<std::string> read_strings(const std::string& name) const;
  Dataset open_dataset(const std::string& name) const;

  // Extendible tables. chunk_rows 0 picks about 64 KiB per chunk.
  template <class T>
  Table create_table(const std::string& name, std::int64_t columns, std::int64_t chunk_rows = 0) {
    return create_table_raw(name, dtype_of<T>(), columns, chunk_rows);
  }
  Table create_string_table(const std::string& name, std::int64_t chunk_rows = 0) {
    return create_table_raw(name, DType::str, 0, chunk_rows);
  }
  Table open_table(const std::string& name) const;

 protected:
  friend class File;
  using Object::Object;
  void write_raw(const std::string& name, const Shape& shape, DType type, const void* data,
                 std::int64_t values, int deflate_level);
  void read_raw(const std::string& name, DType type, void* out, std::int64_t values) const;
  Table create_table_raw(const std::string& name, DType type, std::int64_t columns,
                         std::int64_t chunk_rows);
};

// An HDF5 file; as a Group it is the root group.
//   File::create(path)  writes "<path>.tmp"; commit() flushes, closes and renames it over path, so
//                       an existing file is replaced only by a complete one. Without commit() (an
//                       exception, say) the temporary is removed and path is left untouched.
//                       commit() also closes every group, dataset and table of the file.
//   File::open(path)    read-only;  File::open_rw(path)  read-write, for appending in place.
// The HDF5 build is thread-safe (one global lock), so files may be used from several threads, but
// one file should have one writer. HDF5 1.10 locks open files: h5py or h5dump cannot open a file
// that a writer holds open unless HDF5_USE_FILE_LOCKING=FALSE is set in their environment (or
// the writer opened it with Locking::off).
// HDF5 file locks: `on` (HDF5's default) makes opening fail while another process holds the file
// open for writing (or, for open_rw, open at all); `off` trusts the one-writer-per-file design.
enum class Locking { on, off };

class File : public Group {
 public:
  static File create(const std::string& path);
  static File open(const std::string& path, Locking locking = Locking::on);
  static File open_rw(const std::string& path, Locking locking = Locking::on);
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  ~File();

  const std::string& path() const { return file_path_; }
  void flush();
  void commit();  // only for files made by create(); the object is closed afterwards

 private:
  File(Handle handle, std::string path, std::string temp_path);
  static File open_with(const std::string& path, unsigned flags, Locking locking);
  void discard_temp() noexcept;
  std::string temp_path_;  // non-empty while a created file is not committed
};

// Root attributes "schema" and "schema_version" identify our files.
void write_schema(File& file, const std::string& schema, int version);
// Returns the version; throws "<path>: not an apq-actors <kind> file (schema attribute missing)"
// for a foreign file, and clear errors for another schema or a version newer than max_version.
// kind is the part of the schema after "apq-actors/", e.g. "image-set".
int require_schema(const File& file, const std::string& expected_schema, int max_version);

// For writers that append as results arrive and may be restarted: opens path read-write after
// checking its schema, or, if it does not exist, creates it with that schema (atomically, via
// create + commit) and opens it read-write.
File open_store(const std::string& path, const std::string& schema, int version,
                Locking locking = Locking::on);

bool file_exists(const std::string& path);

}  // namespace apq::h5
