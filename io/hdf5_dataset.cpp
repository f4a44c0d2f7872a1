// Groups, whole datasets and extendible tables.
#include <algorithm>
#include <stdexcept>

#include "io/hdf5_detail.hpp"
#include "io/hdf5_file.hpp"

namespace apq::h5 {

using namespace detail;

namespace {

std::vector<hsize_t> to_hsize(const Shape& shape) {
  return std::vector<hsize_t>(shape.begin(), shape.end());
}

Handle make_space(const Shape& shape) {
  if (shape.empty()) return Handle(H5Screate(H5S_SCALAR));
  const auto dims = to_hsize(shape);
  return Handle(H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr));
}

Shape space_shape(hid_t space) {
  const int rank = H5Sget_simple_extent_ndims(space);
  std::vector<hsize_t> dims(static_cast<std::size_t>(std::max(rank, 0)));
  if (rank > 0) H5Sget_simple_extent_dims(space, dims.data(), nullptr);
  return Shape(dims.begin(), dims.end());
}

// Link-creation list that makes missing intermediate groups ("a/b" creates "a").
Handle intermediate_lcpl() {
  Handle lcpl(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(lcpl.get(), 1);
  return lcpl;
}

std::size_t element_size(DType type) {
  switch (type) {
    case DType::f32: return 4;
    case DType::f64: return 8;
    case DType::i32: return 4;
    case DType::i64: return 8;
    case DType::u8: return 1;
    case DType::str: return sizeof(char*);
  }
  return 1;
}

}  // namespace

// ---- Dataset --------------------------------------------------------------------------------

Shape Dataset::shape() const {
  silence_hdf5_errors();
  Handle space(H5Dget_space(id()));
  if (!space.valid()) fail("cannot read the shape");
  return space_shape(space.get());
}

DType Dataset::dtype() const {
  silence_hdf5_errors();
  Handle type(H5Dget_type(id()));
  if (!type.valid()) fail("cannot read the element type");
  return dtype_of_type(type.get(), file_path_, name_);
}

bool Dataset::is_integer() const {
  Handle type(H5Dget_type(id()));
  return H5Tget_class(type.get()) == H5T_INTEGER;
}

// ---- Group: structure -----------------------------------------------------------------------

bool Group::exists(const std::string& path) const {
  silence_hdf5_errors();
  // H5Lexists fails (rather than answering no) when an intermediate group is missing.
  std::size_t pos = 0;
  while (true) {
    const std::size_t slash = path.find('/', pos);
    const std::string prefix = path.substr(0, slash);
    if (!prefix.empty()) {
      const htri_t r = H5Lexists(id(), prefix.c_str(), H5P_DEFAULT);
      if (r <= 0) {
        take_error_message();
        return false;
      }
    }
    if (slash == std::string::npos) return true;
    pos = slash + 1;
  }
}

bool Group::is_group(const std::string& path) const {
  if (!exists(path)) return false;
  Handle obj(H5Oopen(id(), path.c_str(), H5P_DEFAULT));
  return obj.valid() && H5Iget_type(obj.get()) == H5I_GROUP;
}

Group Group::create_group(const std::string& path) {
  silence_hdf5_errors();
  if (exists(path)) fail("cannot create group '" + path + "': it already exists");
  Handle lcpl = intermediate_lcpl();
  Handle gcpl(H5Pcreate(H5P_GROUP_CREATE));
  H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED);
  Handle g(H5Gcreate2(id(), path.c_str(), lcpl.get(), gcpl.get(), H5P_DEFAULT));
  if (!g.valid()) fail("cannot create group '" + path + "'");
  return Group(std::move(g), file_path_, child_name(path));
}

Group Group::open_group(const std::string& path) const {
  silence_hdf5_errors();
  if (!is_group(path)) fail("no group '" + path + "'");
  Handle g(H5Gopen2(id(), path.c_str(), H5P_DEFAULT));
  if (!g.valid()) fail("cannot open group '" + path + "'");
  return Group(std::move(g), file_path_, child_name(path));
}

Group Group::require_group(const std::string& path) {
  return exists(path) ? open_group(path) : create_group(path);
}

std::vector<std::string> Group::children() const {
  silence_hdf5_errors();
  std::vector<std::string> names;
  auto collect = [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
  };
  hsize_t index = 0;
  if (H5Literate(id(), H5_INDEX_CRT_ORDER, H5_ITER_INC, &index, collect, &names) < 0) {
    take_error_message();  // creation order not tracked (a foreign file): use name order
    names.clear();
    index = 0;
    if (H5Literate(id(), H5_INDEX_NAME, H5_ITER_INC, &index, collect, &names) < 0)
      fail("cannot list members");
  }
  return names;
}

void Group::remove(const std::string& path) {
  silence_hdf5_errors();
  if (!exists(path)) fail("cannot remove '" + path + "': no such member");
  if (H5Ldelete(id(), path.c_str(), H5P_DEFAULT) < 0) fail("cannot remove '" + path + "'");
}

Dataset Group::open_dataset(const std::string& name) const {
  silence_hdf5_errors();
  if (!exists(name)) fail("no dataset '" + name + "'");
  Handle d(H5Dopen2(id(), name.c_str(), H5P_DEFAULT));
  if (!d.valid()) fail("'" + name + "' is not a dataset");
  return Dataset(std::move(d), file_path_, child_name(name));
}

// ---- Group: whole datasets ------------------------------------------------------------------

void Group::write_raw(const std::string& name, const Shape& shape, DType type, const void* data,
                      std::int64_t values, int deflate_level) {
  silence_hdf5_errors();
  for (auto d : shape)
    if (d < 0) fail("dataset '" + name + "': negative dimension in " + shape_string(shape));
  if (values != element_count(shape))
    fail("dataset '" + name + "': " + std::to_string(values) + " values for shape " +
         shape_string(shape));
  if (exists(name)) fail("dataset '" + name + "' already exists");
  Handle space = make_space(shape);
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  if (deflate_level > 0 && !shape.empty()) {
    // Chunks of whole trailing dimensions and about 1 MiB along the first one.
    auto chunk = to_hsize(shape);
    std::int64_t row_bytes = static_cast<std::int64_t>(element_size(type));
    for (std::size_t i = 1; i < shape.size(); ++i) row_bytes *= std::max<std::int64_t>(shape[i], 1);
    chunk[0] = static_cast<hsize_t>(std::max<std::int64_t>(1, (1 << 20) / row_bytes));
    for (auto& c : chunk) c = std::max<hsize_t>(c, 1);
    chunk[0] = std::min<hsize_t>(chunk[0], std::max<hsize_t>(shape[0], 1));
    H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data());
    H5Pset_deflate(dcpl.get(), static_cast<unsigned>(std::min(deflate_level, 9)));
  }
  Handle mem = memory_type(type);
  Handle lcpl = intermediate_lcpl();
  Handle d(H5Dcreate2(id(), name.c_str(), mem.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
  if (!d.valid()) fail("cannot create dataset '" + name + "'");
  if (values > 0 && H5Dwrite(d.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
    fail("cannot write dataset '" + name + "'");
}

void Group::read_raw(const std::string& name, DType type, void* out, std::int64_t values) const {
  const Dataset d = open_dataset(name);
  const DType stored = d.dtype();
  if ((stored == DType::str) != (type == DType::str))
    fail("dataset '" + name + "' holds " + dtype_name(stored) + ", not " + dtype_name(type));
  if (element_count(d.shape()) != values)
    fail("dataset '" + name + "' changed size while being read");
  Handle mem = memory_type(type);
  if (values > 0 && H5Dread(d.id(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0)
    fail("cannot read dataset '" + name + "'");
}

void Group::write_strings(const std::string& name, const std::vector<std::string>& values) {
  const auto ptrs = c_strings(values);
  write_raw(name, {static_cast<std::int64_t>(values.size())}, DType::str, ptrs.data(),
            static_cast<std::int64_t>(values.size()), 0);
}

std::vector<std::string> Group::read_strings(const std::string& name) const {
  const Dataset d = open_dataset(name);
  Handle space(H5Dget_space(d.id()));
  Handle type(H5Dget_type(d.id()));
  const auto count = static_cast<std::size_t>(H5Sget_simple_extent_npoints(space.get()));
  auto read = [&](hid_t mem, void* buf) { return H5Dread(d.id(), mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf); };
  return read_strings_with(type.get(), space.get(), count, read, file_path_,
                           d.name() + ": dataset");
}

// ---- tables ---------------------------------------------------------------------------------

Table Group::create_table_raw(const std::string& name, DType type, std::int64_t columns,
                              std::int64_t chunk_rows) {
  silence_hdf5_errors();
  if (columns < 0) fail("table '" + name + "': negative column count");
  if (type == DType::str && columns != 0) fail("table '" + name + "': string tables are 1-D");
  if (exists(name)) fail("table '" + name + "' already exists");
  const std::int64_t row_bytes =
      static_cast<std::int64_t>(element_size(type)) * std::max<std::int64_t>(columns, 1);
  if (chunk_rows <= 0) chunk_rows = std::max<std::int64_t>(16, 65536 / row_bytes);
  const int rank = columns == 0 ? 1 : 2;
  const hsize_t dims[2] = {0, static_cast<hsize_t>(columns)};
  const hsize_t max_dims[2] = {H5S_UNLIMITED, static_cast<hsize_t>(columns)};
  const hsize_t chunk[2] = {static_cast<hsize_t>(chunk_rows),
                            static_cast<hsize_t>(std::max<std::int64_t>(columns, 1))};
  Handle space(H5Screate_simple(rank, dims, max_dims));
  Handle dcpl(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(dcpl.get(), rank, chunk);
  Handle mem = memory_type(type);
  Handle lcpl = intermediate_lcpl();
  Handle d(H5Dcreate2(id(), name.c_str(), mem.get(), space.get(), lcpl.get(), dcpl.get(), H5P_DEFAULT));
  if (!d.valid()) fail("cannot create table '" + name + "'");
  return Table(std::move(d), file_path_, child_name(name), columns);
}

Table Group::open_table(const std::string& name) const {
  Dataset d = open_dataset(name);
  Handle space(H5Dget_space(d.id()));
  const int rank = H5Sget_simple_extent_ndims(space.get());
  hsize_t dims[2] = {0, 0};
  hsize_t max_dims[2] = {0, 0};
  if (rank == 1 || rank == 2) H5Sget_simple_extent_dims(space.get(), dims, max_dims);
  if ((rank != 1 && rank != 2) || max_dims[0] != H5S_UNLIMITED)
    fail("'" + name + "' is not an extendible table");
  const std::int64_t columns = rank == 2 ? static_cast<std::int64_t>(dims[1]) : 0;
  return Table(std::move(d.handle_), file_path_, d.name(), columns);
}

std::int64_t Table::rows() const { return shape().at(0); }

void Table::append_raw(DType type, const void* data, std::int64_t values) {
  silence_hdf5_errors();
  const std::int64_t width = std::max<std::int64_t>(columns_, 1);
  if (values % width != 0)
    fail(std::to_string(values) + " values are not whole rows of " + std::to_string(width));
  const DType stored = dtype();
  if ((stored == DType::str) != (type == DType::str))
    fail(std::string("cannot append ") + dtype_name(type) + " to a " + dtype_name(stored) + " table");
  const std::int64_t count = values / width;
  if (count == 0) return;
  const std::int64_t old_rows = rows();
  const int rank = columns_ == 0 ? 1 : 2;
  const hsize_t new_dims[2] = {static_cast<hsize_t>(old_rows + count), static_cast<hsize_t>(columns_)};
  if (H5Dset_extent(id(), new_dims) < 0) fail("cannot extend the table");
  Handle file_space(H5Dget_space(id()));
  const hsize_t start[2] = {static_cast<hsize_t>(old_rows), 0};
  const hsize_t block[2] = {static_cast<hsize_t>(count), static_cast<hsize_t>(columns_)};
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, block, nullptr);
  Handle mem_space(H5Screate_simple(rank, block, nullptr));
  Handle mem = memory_type(type);
  if (H5Dwrite(id(), mem.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, data) < 0)
    fail("cannot append " + std::to_string(count) + " rows");
}

void Table::append_strings(const std::vector<std::string>& values) {
  const auto ptrs = c_strings(values);
  append_raw(DType::str, ptrs.data(), static_cast<std::int64_t>(values.size()));
}

void Table::read_rows_raw(DType type, std::int64_t first, std::int64_t count, void* out) const {
  silence_hdf5_errors();
  const std::int64_t total = rows();
  if (first < 0 || count < 0 || first + count > total)
    fail("rows " + std::to_string(first) + ".." + std::to_string(first + count) +
         " out of range (the table has " + std::to_string(total) + ")");
  if (count == 0) return;
  const DType stored = dtype();
  if ((stored == DType::str) != (type == DType::str))
    fail(std::string("cannot read a ") + dtype_name(stored) + " table as " + dtype_name(type));
  const int rank = columns_ == 0 ? 1 : 2;
  Handle file_space(H5Dget_space(id()));
  const hsize_t start[2] = {static_cast<hsize_t>(first), 0};
  const hsize_t block[2] = {static_cast<hsize_t>(count), static_cast<hsize_t>(columns_)};
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, block, nullptr);
  Handle mem_space(H5Screate_simple(rank, block, nullptr));
  Handle mem = memory_type(type);
  if (H5Dread(id(), mem.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, out) < 0)
    fail("cannot read rows");
}

std::vector<std::string> Table::read_string_rows(std::int64_t first, std::int64_t count) const {
  std::vector<char*> ptrs(static_cast<std::size_t>(std::max<std::int64_t>(count, 0)), nullptr);
  read_rows_raw(DType::str, first, count, ptrs.data());
  std::vector<std::string> out(ptrs.size());
  for (std::size_t i = 0; i < ptrs.size(); ++i)
    if (ptrs[i]) out[i] = ptrs[i];
  if (!ptrs.empty()) {
    Handle mem = memory_type(DType::str);
    const hsize_t n = ptrs.size();
    Handle mem_space(H5Screate_simple(1, &n, nullptr));
    H5Dvlen_reclaim(mem.get(), mem_space.get(), H5P_DEFAULT, ptrs.data());
  }
  return out;
}

void Table::truncate(std::int64_t new_rows) {
  silence_hdf5_errors();
  const std::int64_t old_rows = rows();
  if (new_rows < 0 || new_rows > old_rows)
    fail("cannot truncate " + std::to_string(old_rows) + " rows to " + std::to_string(new_rows));
  if (new_rows == old_rows) return;
  const hsize_t dims[2] = {static_cast<hsize_t>(new_rows), static_cast<hsize_t>(columns_)};
  if (H5Dset_extent(id(), dims) < 0) fail("cannot truncate to " + std::to_string(new_rows) + " rows");
}

void Table::flush() {
  silence_hdf5_errors();
  if (H5Fflush(id(), H5F_SCOPE_LOCAL) < 0) fail("cannot flush");
}

}  // namespace apq::h5
