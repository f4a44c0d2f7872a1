#include "io/checkpoint_store.hpp"

#include <stdexcept>

#include "io/named_arrays.hpp"

namespace apq {

namespace {

void read_info(const h5::Group& root, CheckpointInfo* info) {
  info->step = root.int_attr("step");
  info->phase = root.string_attr("phase");
  info->phases_done = root.int_attr("phases_done");
  info->completed = root.int_attr("completed") != 0;
  info->images_seen = root.int_attr("images_seen");
}

void count_arrays(const h5::Group& root, const std::string& group, std::int64_t* arrays, std::int64_t* values) {
  const h5::Group g = root.open_group(group);
  *arrays = 0;
  *values = 0;
  for (const auto& name : g.children()) {
    ++*arrays;
    *values += h5::element_count(g.open_dataset(name).shape());
  }
}

}  // namespace

void save_checkpoint(const std::string& path, const RunMeta& meta, const SupernetCheckpoint& c) {
  check_same_run_if_exists(path, run_kind::supernet, meta);
  if (c.step < 0 || c.phases_done < 0 || c.images_seen < 0)
    throw std::invalid_argument(path + ": checkpoint with negative step, phases_done or images_seen");
  h5::File file = h5::File::create(path);
  stamp_run_file(file, run_kind::supernet, meta);
  file.set_int_attr("step", c.step);
  file.set_string_attr("phase", c.phase);
  file.set_int_attr("phases_done", c.phases_done);
  file.set_int_attr("completed", c.completed ? 1 : 0);
  file.set_int_attr("images_seen", c.images_seen);
  write_named_arrays(file, "weights", c.weights);
  write_named_arrays(file, "optimizer", c.optimizer);
  file.commit();
}

std::optional<SupernetCheckpoint> load_checkpoint(const std::string& path, const RunMeta& meta) {
  if (!h5::file_exists(path)) return std::nullopt;
  const RunFile file = RunFile::open_read(path);
  check_same_run(file, run_kind::supernet, meta);
  SupernetCheckpoint c;
  read_info(file, &c);
  c.weights = read_named_arrays(file, "weights");
  c.optimizer = read_named_arrays(file, "optimizer");
  return c;
}

CheckpointSummary read_checkpoint_summary(const std::string& path) {
  const RunFile file = RunFile::open_read(path);
  const std::string kind = run_file_kind(file);
  if (kind != run_kind::supernet)
    throw std::runtime_error(path + ": is an apq-actors " + kind + " file, not " + run_kind::supernet);
  CheckpointSummary s;
  s.meta = read_run_meta(file);
  read_info(file, &s);
  count_arrays(file, "weights", &s.weight_arrays, &s.weight_values);
  count_arrays(file, "optimizer", &s.optimizer_arrays, &s.optimizer_values);
  return s;
}

}  // namespace apq
