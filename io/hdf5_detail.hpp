// Internal helpers of the HDF5 layer (only io/*.cpp include this; it pulls in hdf5.h).
#pragma once
#include <hdf5.h>

#include <string>
#include <type_traits>
#include <vector>

#include "io/hdf5_file.hpp"

namespace apq::h5::detail {

static_assert(std::is_same_v<hid_t, Id>, "apq::h5::Id must be hid_t");

// HDF5 prints its error stack by default; in a thread-safe build that setting is per thread,
// so every entry point calls this (a thread_local flag makes it cheap).
void silence_hdf5_errors();

// The innermost message on this thread's HDF5 error stack (empty if none); clears the stack.
std::string take_error_message();

// Throws runtime_error "<file>: <what> (<hdf5 message>)".
[[noreturn]] void throw_error(const std::string& file, const std::string& what);

// Memory type for an element type; strings are variable-length UTF-8 (caller owns the copy).
Handle memory_type(DType type);
DType dtype_of_type(hid_t type, const std::string& file, const std::string& what);

// Reads a string-typed attribute or dataset selection (fixed or variable length) into strings.
// read(mem_type, buffer) performs the H5Aread/H5Dread call.
template <class ReadFn>
std::vector<std::string> read_strings_with(hid_t file_type, hid_t space, std::size_t count,
                                           ReadFn read, const std::string& file,
                                           const std::string& what) {
  std::vector<std::string> out(count);
  if (H5Tget_class(file_type) != H5T_STRING) throw_error(file, what + " is not a string");
  if (H5Tis_variable_str(file_type) > 0) {
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), H5T_VARIABLE);
    H5Tset_cset(mem.get(), H5Tget_cset(file_type));
    std::vector<char*> ptrs(count, nullptr);
    if (read(mem.get(), ptrs.data()) < 0) throw_error(file, "cannot read " + what);
    for (std::size_t i = 0; i < count; ++i)
      if (ptrs[i]) out[i] = ptrs[i];
    H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, ptrs.data());
    return out;
  }
  const std::size_t size = H5Tget_size(file_type);
  Handle mem(H5Tcopy(file_type));
  std::vector<char> buffer(count * size + 1, '\0');
  if (read(mem.get(), buffer.data()) < 0) throw_error(file, "cannot read " + what);
  const bool space_padded = H5Tget_strpad(file_type) == H5T_STR_SPACEPAD;
  for (std::size_t i = 0; i < count; ++i) {
    std::string s(buffer.data() + i * size, size);
    const auto end = s.find('\0');
    if (end != std::string::npos) s.resize(end);
    if (space_padded) s.erase(s.find_last_not_of(' ') + 1);
    out[i] = std::move(s);
  }
  return out;
}

// Pointers for writing variable-length strings.
std::vector<const char*> c_strings(const std::vector<std::string>& values);

}  // namespace apq::h5::detail
