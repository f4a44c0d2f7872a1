#include "io/named_arrays.hpp"

#include <set>
#include <stdexcept>

namespace apq {

std::string escape_array_name(const std::string& name) {
  if (name == ".") return "%2E";
  std::string out;
  out.reserve(name.size());
  for (char c : name) {
    if (c == '%') out += "%25";
    else if (c == '/') out += "%2F";
    else out += c;
  }
  return out;
}

std::string unescape_array_name(const std::string& stored) {
  std::string out;
  out.reserve(stored.size());
  for (std::size_t i = 0; i < stored.size(); ++i) {
    if (stored[i] == '%' && i + 2 < stored.size()) {
      const std::string code = stored.substr(i + 1, 2);
      if (code == "25") { out += '%'; i += 2; continue; }
      if (code == "2F") { out += '/'; i += 2; continue; }
      if (code == "2E") { out += '.'; i += 2; continue; }
    }
    out += stored[i];
  }
  return out;
}

void write_named_arrays(h5::Group& parent, const std::string& group_path, const NamedArrays& arrays) {
  std::set<std::string> seen;
  for (const auto& a : arrays) {
    if (a.name.empty()) parent.fail("named arrays for '" + group_path + "': an array has no name");
    if (!seen.insert(a.name).second)
      parent.fail("named arrays for '" + group_path + "': duplicate name '" + a.name + "'");
    for (auto d : a.shape)
      if (d < 0) parent.fail("array '" + a.name + "': negative dimension");
    if (h5::element_count(a.shape) != static_cast<std::int64_t>(a.values.size()))
      parent.fail("array '" + a.name + "': " + std::to_string(a.values.size()) +
                  " values for shape " + h5::shape_string(a.shape));
  }
  h5::Group group = parent.create_group(group_path);
  group.set_int_attr("array_count", static_cast<std::int64_t>(arrays.size()));
  for (const auto& a : arrays) group.write(escape_array_name(a.name), a.shape, a.values);
}

NamedArrays read_named_arrays(const h5::Group& parent, const std::string& group_path) {
  const h5::Group group = parent.open_group(group_path);
  NamedArrays out;
  for (const auto& stored : group.children()) {
    const h5::Dataset d = group.open_dataset(stored);
    const h5::DType type = d.dtype();
    if (type != h5::DType::f32 && type != h5::DType::f64)
      d.fail(std::string("named array is ") + h5::dtype_name(type) + ", expected float32");
    NamedArray a;
    a.name = unescape_array_name(stored);
    a.values = group.read<float>(stored, &a.shape);
    out.push_back(std::move(a));
  }
  if (group.has_attr("array_count") &&
      group.int_attr("array_count") != static_cast<std::int64_t>(out.size()))
    group.fail("holds " + std::to_string(out.size()) + " arrays, expected " +
               std::to_string(group.int_attr("array_count")));
  return out;
}

}  // namespace apq
