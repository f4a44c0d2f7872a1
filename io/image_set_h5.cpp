// HDF5 image sets (layout in docs/DATA.md).
#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/image_data.hpp"
#include "io/streamed_images.hpp"

namespace apq {

void write_image_set(const std::string& path, const ImageSet& set, int deflate_level) {
  check_image_set(set, path);
  h5::File file = h5::File::create(path);
  write_schema(file, kImageSetSchema, kImageSetSchemaVersion);
  file.set_int_attr("num_classes", set.num_classes);
  file.write("images", {set.count, set.channels, set.height, set.width}, set.pixels, deflate_level);
  file.write("labels", {set.count}, set.labels, deflate_level);
  file.commit();
}

namespace {

// Checks the file's schema, shapes and labels and returns its set without pixels.
ImageSet read_header_and_labels(const h5::File& file, const std::string& path) {
  h5::require_schema(file, kImageSetSchema, kImageSetSchemaVersion);
  auto fail = [&](const std::string& what) { throw std::runtime_error(path + ": " + what); };
  if (!file.has_attr("num_classes")) fail("image set without num_classes attribute");
  const std::int64_t num_classes = file.int_attr("num_classes");
  if (num_classes < 1 || num_classes > (1 << 30)) fail("num_classes " + std::to_string(num_classes) + " is invalid");

  const h5::Dataset images = file.open_dataset("images");
  const h5::Shape shape = images.shape();
  if (shape.size() != 4) fail("'images' has shape " + h5::shape_string(shape) + ", expected N x C x H x W");
  if (images.dtype() != h5::DType::u8)
    fail(std::string("'images' holds ") + h5::dtype_name(images.dtype()) + ", expected uint8");
  for (std::size_t i = 1; i < 4; ++i)
    if (shape[i] < 1 || shape[i] > 65536) fail("'images' has implausible shape " + h5::shape_string(shape));
  if (shape[0] > (std::int64_t{1} << 31) - 1) fail("'images' holds too many images");

  const h5::Dataset labels = file.open_dataset("labels");
  const h5::Shape label_shape = labels.shape();
  if (!labels.is_integer()) fail("'labels' is not an integer dataset");
  if (label_shape.size() != 1 || label_shape[0] != shape[0])
    fail("'labels' has shape " + h5::shape_string(label_shape) + ", expected " + std::to_string(shape[0]));

  ImageSet set;
  set.count = static_cast<int>(shape[0]);
  set.channels = static_cast<int>(shape[1]);
  set.height = static_cast<int>(shape[2]);
  set.width = static_cast<int>(shape[3]);
  set.num_classes = static_cast<int>(num_classes);
  // Labels of any integer type are accepted (h5py writes int64 by default); the range check
  // below catches values that did not fit.
  const auto wide = file.read<std::int64_t>("labels");
  set.labels.resize(wide.size());
  for (std::size_t i = 0; i < wide.size(); ++i) {
    if (wide[i] < 0 || wide[i] >= num_classes)
      fail("label " + std::to_string(wide[i]) + " at index " + std::to_string(i) + " is outside 0.." +
           std::to_string(num_classes - 1));
    set.labels[i] = static_cast<std::int32_t>(wide[i]);
  }
  return set;
}

}  // namespace

ImageSet read_image_set(const std::string& path) {
  const h5::File file = h5::File::open(path);
  ImageSet set = read_header_and_labels(file, path);
  set.pixels = file.read<std::uint8_t>("images");
  check_image_set(set, path);
  return set;
}

ImageSet stream_image_set(const std::string& path, std::int64_t cache_bytes) {
  ImageSet set = read_header_and_labels(h5::File::open(path, h5::Locking::off), path);
  set.source = open_image_rows(path, cache_bytes);
  set.rows.resize(static_cast<std::size_t>(set.count));
  for (std::int64_t i = 0; i < set.count; ++i) set.rows[static_cast<std::size_t>(i)] = i;
  check_image_set(set, path);
  return set;
}

}  // namespace apq
