#include "io/cost_table_store.hpp"

#include <stdexcept>
#include <tuple>

#include "io/hdf5_file.hpp"

namespace apq {
void write_cost_table(const std::string& path, const CostTableData& table) {
  check_cost_records(table.rows, path);
  const auto n = static_cast<std::int64_t>(table.rows.size());
  std::vector<std::int32_t> shapes;
  std::vector<double> latency, energy;
  std::vector<std::string> layers;
  for (const CostRecord& r : table.rows) {
    for (std::int32_t v : cost_shape_row(r)) shapes.push_back(v);
    latency.push_back(r.latency_ms);
    energy.push_back(r.energy_mj);
    layers.push_back(r.layer);
  }
  h5::File file = h5::File::create(path);
  write_schema(file, kCostTableSchema, kCostTableSchemaVersion);
  file.set_string_attr("source", table.source);
  file.set_string_attr("description", table.description);
  file.write("shape", {n, kCostShapeColumnCount}, shapes);
  file.open_dataset("shape").set_string_attr("columns", kCostShapeColumns);
  file.open_dataset("shape").set_string_attr("type_codes", "0=conv,1=depthwise,2=linear");
  file.write("latency", {n}, latency);
  file.open_dataset("latency").set_string_attr("units", "ms");
  file.write("energy", {n}, energy);
  file.open_dataset("energy").set_string_attr("units", "mJ");
  file.write_strings("layers", layers);
  file.commit();
}

CostTableData read_cost_table(const std::string& path) {
  const h5::File file = h5::File::open(path);
  h5::require_schema(file, kCostTableSchema, kCostTableSchemaVersion);
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": " + what); };
  for (const char* name : {"shape", "latency", "energy"})
    if (!file.exists(name)) fail(std::string("cost table without dataset '") + name + "'");
  const h5::Shape shape = file.open_dataset("shape").shape();
  if (shape.size() != 2 || shape[1] != kCostShapeColumnCount)
    fail("'shape' is " + h5::shape_string(shape) + ", expected N x " + std::to_string(kCostShapeColumnCount));
  if (!file.open_dataset("shape").is_integer()) fail("'shape' is not an integer dataset");
  const std::int64_t n = shape[0];
  for (const char* name : {"latency", "energy"}) {
    const h5::Shape s = file.open_dataset(name).shape();
    if (s.size() != 1 || s[0] != n) fail(std::string("'") + name + "' has shape " + h5::shape_string(s) + ", expected " + std::to_string(n));
  }
  // Units other than ours would silently mis-scale every cost: require them when present.
  if (file.open_dataset("latency").has_attr("units") && file.open_dataset("latency").string_attr("units") != "ms")
    fail("'latency' units are \"" + file.open_dataset("latency").string_attr("units") + "\", expected \"ms\"");
  if (file.open_dataset("energy").has_attr("units") && file.open_dataset("energy").string_attr("units") != "mJ")
    fail("'energy' units are \"" + file.open_dataset("energy").string_attr("units") + "\", expected \"mJ\"");

  CostTableData table;
  if (file.has_attr("source")) table.source = file.string_attr("source");
  if (file.has_attr("description")) table.description = file.string_attr("description");
  const auto shapes = file.read<std::int32_t>("shape");
  const auto latency = file.read<double>("latency");
  const auto energy = file.read<double>("energy");
  std::vector<std::string> layers;
  if (file.exists("layers")) {
    layers = file.read_strings("layers");
    if (static_cast<std::int64_t>(layers.size()) != n)
      fail("'layers' has " + std::to_string(layers.size()) + " entries, expected " + std::to_string(n));
  }
  table.rows.resize(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    CostRecord& r = table.rows[i];
    const std::int32_t* v = shapes.data() + i * kCostShapeColumnCount;
    std::tie(r.type, r.in_channels, r.out_channels, r.kernel, r.stride, r.groups, r.in_size, r.out_size, r.w_bits, r.a_bits) =
        std::make_tuple(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9]);
    r.latency_ms = latency[i];
    r.energy_mj = energy[i];
    if (!layers.empty()) r.layer = layers[i];
  }
  try {
    check_cost_records(table.rows, path);
  } catch (const std::invalid_argument& e) {
    throw std::runtime_error(e.what());
  }
  return table;
}

}  // namespace apq
