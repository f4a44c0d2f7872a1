// Handles, error conversion, attributes, files and schema checks (datasets and tables are in
// hdf5_dataset.cpp).
#include "io/hdf5_file.hpp"

#include <sys/stat.h>

#include <cstdio>
#include <stdexcept>

#include "io/hdf5_detail.hpp"

namespace apq::h5 {

namespace detail {

void silence_hdf5_errors() {
  thread_local bool silenced = false;
  if (!silenced) {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    silenced = true;
  }
}

namespace {

// HDF5's low-level messages run over several lines ("file write failed: time = <ctime>\n,
// filename = ..., errno = 28, error message = 'No space left on device', buf = ..."): keep the
// operation and the system's message, on one line.
std::string one_line(std::string text) {
  const std::string marker = "error message = '";
  const auto at = text.find(marker);
  if (at != std::string::npos) {
    const auto end = text.find('\'', at + marker.size());
    const auto colon = text.find(':');
    text = (colon != std::string::npos && colon < at ? text.substr(0, colon) + ": " : std::string()) +
           text.substr(at + marker.size(), end == std::string::npos ? std::string::npos : end - at - marker.size());
  }
  for (char& c : text)
    if (c == '\n' || c == '\r') c = ' ';
  return text;
}

}  // namespace

std::string take_error_message() {
  std::string innermost;
  auto collect = [](unsigned, const H5E_error2_t* err, void* data) -> herr_t {
    auto* text = static_cast<std::string*>(data);
    if (err->desc && *err->desc) *text = err->desc;  // walking downward: the last is innermost
    return 0;
  };
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect, &innermost);
  H5Eclear2(H5E_DEFAULT);
  return one_line(innermost);
}

void throw_error(const std::string& file, const std::string& what) {
  const std::string hdf5 = take_error_message();
  throw std::runtime_error(file + ": " + what + (hdf5.empty() ? "" : " (" + hdf5 + ")"));
}

Handle memory_type(DType type) {
  switch (type) {
    case DType::f32: return Handle(H5Tcopy(H5T_NATIVE_FLOAT));
    case DType::f64: return Handle(H5Tcopy(H5T_NATIVE_DOUBLE));
    case DType::i32: return Handle(H5Tcopy(H5T_NATIVE_INT32));
    case DType::i64: return Handle(H5Tcopy(H5T_NATIVE_INT64));
    case DType::u8: return Handle(H5Tcopy(H5T_NATIVE_UINT8));
    case DType::str: {
      Handle t(H5Tcopy(H5T_C_S1));
      H5Tset_size(t.get(), H5T_VARIABLE);
      H5Tset_cset(t.get(), H5T_CSET_UTF8);
      return t;
    }
  }
  throw std::logic_error("memory_type: unknown DType");
}

DType dtype_of_type(hid_t type, const std::string& file, const std::string& what) {
  const H5T_class_t cls = H5Tget_class(type);
  const std::size_t size = H5Tget_size(type);
  if (cls == H5T_STRING) return DType::str;
  if (cls == H5T_FLOAT && size == 4) return DType::f32;
  if (cls == H5T_FLOAT && size == 8) return DType::f64;
  if (cls == H5T_INTEGER) {
    const bool is_signed = H5Tget_sign(type) == H5T_SGN_2;
    if (!is_signed && size == 1) return DType::u8;
    if (is_signed && size == 4) return DType::i32;
    if (is_signed && size == 8) return DType::i64;
  }
  throw_error(file, what + " has an unsupported element type (class " + std::to_string(cls) +
                        ", " + std::to_string(size) + " bytes)");
}

std::vector<const char*> c_strings(const std::vector<std::string>& values) {
  std::vector<const char*> out;
  out.reserve(values.size());
  for (const auto& v : values) out.push_back(v.c_str());
  return out;
}

}  // namespace detail

using namespace detail;

const char* dtype_name(DType t) {
  switch (t) {
    case DType::f32: return "float32";
    case DType::f64: return "float64";
    case DType::i32: return "int32";
    case DType::i64: return "int64";
    case DType::u8: return "uint8";
    case DType::str: return "string";
  }
  return "?";
}

std::int64_t element_count(const Shape& shape) {
  std::int64_t n = 1;
  for (auto d : shape) n *= d;
  return n;
}

std::string shape_string(const Shape& shape) {
  if (shape.empty()) return "scalar";
  std::string s;
  for (std::size_t i = 0; i < shape.size(); ++i) s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

bool file_exists(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0;
}

// ---- Handle ---------------------------------------------------------------------------------

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    id_ = other.id_;
    other.id_ = -1;
  }
  return *this;
}

void Handle::reset() noexcept {
  if (id_ < 0) return;
  silence_hdf5_errors();  // objects may be destroyed on another thread than they were made on
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP:
    case H5I_DATASET:
    case H5I_DATATYPE: H5Oclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: break;
  }
  id_ = -1;
}

// ---- Object: attributes ---------------------------------------------------------------------

std::string Object::child_name(const std::string& child) const {
  if (name_ == "/" || name_.empty()) return "/" + child;
  return name_ + "/" + child;
}

void Object::fail(const std::string& what) const { throw_error(file_path_, name_ + ": " + what); }

void Object::write_attr(const std::string& key, DType type, const void* data, std::int64_t count) {
  silence_hdf5_errors();
  if (H5Aexists(id(), key.c_str()) > 0 && H5Adelete(id(), key.c_str()) < 0)
    fail("cannot replace attribute '" + key + "'");
  Handle space;
  if (count < 0) {
    space = Handle(H5Screate(H5S_SCALAR));
  } else {
    const hsize_t dims[1] = {static_cast<hsize_t>(count)};
    space = Handle(H5Screate_simple(1, dims, nullptr));
  }
  Handle mem = memory_type(type);
  Handle attr(H5Acreate2(id(), key.c_str(), mem.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT));
  static const std::int64_t empty = 0;  // HDF5 wants a buffer even for zero elements
  if (!attr.valid() || H5Awrite(attr.get(), mem.get(), data ? data : &empty) < 0)
    fail("cannot write attribute '" + key + "'");
}

// Reads a numeric attribute as `type` (HDF5 converts); *count is the element count.
std::vector<char> Object::read_attr(const std::string& key, DType type, std::int64_t* count) const {
  silence_hdf5_errors();
  if (H5Aexists(id(), key.c_str()) <= 0) fail("attribute '" + key + "' missing");
  Handle attr(H5Aopen(id(), key.c_str(), H5P_DEFAULT));
  Handle space(H5Aget_space(attr.get()));
  Handle file_type(H5Aget_type(attr.get()));
  if (!attr.valid() || !space.valid()) fail("cannot open attribute '" + key + "'");
  const H5T_class_t cls = H5Tget_class(file_type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) fail("attribute '" + key + "' is not numeric");
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  Handle mem = memory_type(type);
  std::vector<char> buffer(static_cast<std::size_t>(n) * H5Tget_size(mem.get()));
  if (n > 0 && H5Aread(attr.get(), mem.get(), buffer.data()) < 0)
    fail("cannot read attribute '" + key + "'");
  *count = n;
  return buffer;
}

void Object::set_string_attr(const std::string& key, const std::string& value) {
  const char* ptr = value.c_str();
  write_attr(key, DType::str, &ptr, -1);
}
void Object::set_int_attr(const std::string& key, std::int64_t value) {
  write_attr(key, DType::i64, &value, -1);
}
void Object::set_double_attr(const std::string& key, double value) {
  write_attr(key, DType::f64, &value, -1);
}
void Object::set_int_array_attr(const std::string& key, const std::vector<std::int64_t>& values) {
  write_attr(key, DType::i64, values.data(), static_cast<std::int64_t>(values.size()));
}
void Object::set_double_array_attr(const std::string& key, const std::vector<double>& values) {
  write_attr(key, DType::f64, values.data(), static_cast<std::int64_t>(values.size()));
}

bool Object::has_attr(const std::string& key) const {
  silence_hdf5_errors();
  const htri_t r = H5Aexists(id(), key.c_str());
  if (r < 0) fail("cannot look up attribute '" + key + "'");
  return r > 0;
}

std::string Object::string_attr(const std::string& key) const {
  silence_hdf5_errors();
  if (H5Aexists(id(), key.c_str()) <= 0) fail("attribute '" + key + "' missing");
  Handle attr(H5Aopen(id(), key.c_str(), H5P_DEFAULT));
  Handle space(H5Aget_space(attr.get()));
  Handle file_type(H5Aget_type(attr.get()));
  if (!attr.valid()) fail("cannot open attribute '" + key + "'");
  const std::string what = name_ + ": attribute '" + key + "'";
  if (H5Sget_simple_extent_npoints(space.get()) != 1) fail("attribute '" + key + "' is not one string");
  auto read = [&](hid_t mem, void* buf) { return H5Aread(attr.get(), mem, buf); };
  return read_strings_with(file_type.get(), space.get(), 1, read, file_path_, what).front();
}

std::int64_t Object::int_attr(const std::string& key) const {
  std::int64_t n = 0;
  const auto buffer = read_attr(key, DType::i64, &n);
  if (n != 1) fail("attribute '" + key + "' is not a single number");
  return *reinterpret_cast<const std::int64_t*>(buffer.data());
}

double Object::double_attr(const std::string& key) const {
  std::int64_t n = 0;
  const auto buffer = read_attr(key, DType::f64, &n);
  if (n != 1) fail("attribute '" + key + "' is not a single number");
  return *reinterpret_cast<const double*>(buffer.data());
}

std::vector<std::int64_t> Object::int_array_attr(const std::string& key) const {
  std::int64_t n = 0;
  const auto buffer = read_attr(key, DType::i64, &n);
  const auto* p = reinterpret_cast<const std::int64_t*>(buffer.data());
  return std::vector<std::int64_t>(p, p + n);
}

std::vector<double> Object::double_array_attr(const std::string& key) const {
  std::int64_t n = 0;
  const auto buffer = read_attr(key, DType::f64, &n);
  const auto* p = reinterpret_cast<const double*>(buffer.data());
  return std::vector<double>(p, p + n);
}

// ---- File -----------------------------------------------------------------------------------

File::File(Handle handle, std::string path, std::string temp_path)
    : Group(std::move(handle), std::move(path), "/"), temp_path_(std::move(temp_path)) {}

File::File(File&& other) noexcept
    : Group(std::move(other.handle_), std::move(other.file_path_), std::move(other.name_)),
      temp_path_(std::move(other.temp_path_)) {
  other.temp_path_.clear();
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    discard_temp();
    handle_ = std::move(other.handle_);
    file_path_ = std::move(other.file_path_);
    name_ = std::move(other.name_);
    temp_path_ = std::move(other.temp_path_);
    other.temp_path_.clear();
  }
  return *this;
}

File::~File() { discard_temp(); }

void File::discard_temp() noexcept {
  handle_.reset();
  if (!temp_path_.empty()) std::remove(temp_path_.c_str());
  temp_path_.clear();
}

File File::create(const std::string& path) {
  silence_hdf5_errors();
  const std::string temp = path + ".tmp";
  // Track creation order in the root group so children() lists members as written.
  Handle fcpl(H5Pcreate(H5P_FILE_CREATE));
  H5Pset_link_creation_order(fcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  // Strong close: commit() closes every object of the file, so nothing is written after the rename.
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  H5Pset_fclose_degree(fapl.get(), H5F_CLOSE_STRONG);
  Handle id(H5Fcreate(temp.c_str(), H5F_ACC_TRUNC, fcpl.get(), fapl.get()));
  if (!id.valid()) throw_error(path, "cannot create '" + temp + "'");
  return File(std::move(id), path, temp);
}

File File::open(const std::string& path, Locking locking) {
  return open_with(path, H5F_ACC_RDONLY, locking);
}
File File::open_rw(const std::string& path, Locking locking) {
  return open_with(path, H5F_ACC_RDWR, locking);
}

File File::open_with(const std::string& path, unsigned flags, Locking locking) {
  silence_hdf5_errors();
  if (!file_exists(path)) throw std::runtime_error(path + ": no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    take_error_message();
    throw std::runtime_error(path + ": not an HDF5 file");
  }
  Handle fapl(H5Pcreate(H5P_FILE_ACCESS));
  if (locking == Locking::off) H5Pset_file_locking(fapl.get(), 0, 1);
  Handle id(H5Fopen(path.c_str(), flags, fapl.get()));
  if (!id.valid())
    throw_error(path, flags == H5F_ACC_RDWR ? "cannot open for writing" : "cannot open");
  return File(std::move(id), path, "");
}

void File::flush() {
  silence_hdf5_errors();
  if (H5Fflush(id(), H5F_SCOPE_LOCAL) < 0) fail("cannot flush");
}

void File::commit() {
  silence_hdf5_errors();
  if (temp_path_.empty()) throw std::logic_error(file_path_ + ": commit() on a file not made by create()");
  if (H5Fflush(id(), H5F_SCOPE_LOCAL) < 0) {
    const std::string message = take_error_message();
    discard_temp();
    throw std::runtime_error(file_path_ + ": cannot flush '" + file_path_ + ".tmp' (" + message + ")");
  }
  const herr_t closed = H5Fclose(handle_.release());
  if (closed < 0) {
    const std::string message = take_error_message();
    discard_temp();
    throw std::runtime_error(file_path_ + ": cannot close '" + file_path_ + ".tmp' (" + message + ")");
  }
  if (std::rename(temp_path_.c_str(), file_path_.c_str()) != 0) {
    discard_temp();
    throw std::runtime_error(file_path_ + ": cannot rename the temporary file over it");
  }
  temp_path_.clear();
}

// ---- schema ---------------------------------------------------------------------------------

void write_schema(File& file, const std::string& schema, int version) {
  file.set_string_attr("schema", schema);
  file.set_int_attr("schema_version", version);
}

int require_schema(const File& file, const std::string& expected_schema, int max_version) {
  const std::string prefix = "apq-actors/";
  const std::string kind = expected_schema.rfind(prefix, 0) == 0
                               ? expected_schema.substr(prefix.size())
                               : expected_schema;
  const std::string& path = file.path();
  if (!file.has_attr("schema"))
    throw std::runtime_error(path + ": not an apq-actors " + kind + " file (schema attribute missing)");
  const std::string schema = file.string_attr("schema");
  if (schema != expected_schema)
    throw std::runtime_error(path + ": not an apq-actors " + kind + " file (schema is '" + schema +
                             "', expected '" + expected_schema + "')");
  if (!file.has_attr("schema_version"))
    throw std::runtime_error(path + ": " + kind + " file without schema_version attribute");
  const std::int64_t version = file.int_attr("schema_version");
  if (version < 1 || version > max_version)
    throw std::runtime_error(path + ": " + kind + " schema version " + std::to_string(version) +
                             " is not supported (this build reads versions 1 to " +
                             std::to_string(max_version) + ")");
  return static_cast<int>(version);
}

File open_store(const std::string& path, const std::string& schema, int version, Locking locking) {
  if (!file_exists(path)) {
    File fresh = File::create(path);
    write_schema(fresh, schema, version);
    fresh.commit();
  }
  File file = File::open_rw(path, locking);
  require_schema(file, schema, version);
  return file;
}

}  // namespace apq::h5
