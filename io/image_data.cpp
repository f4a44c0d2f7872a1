// The run's train/validation/test images from IDX or HDF5 files.
#include "io/image_data.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "io/hdf5_file.hpp"
#include "io/streamed_images.hpp"

namespace apq {

namespace {

std::string idx_file(const std::string& dir, const std::string& stem) {
  const std::string base = dir + "/" + stem;
  if (h5::file_exists(base + ".gz")) return base + ".gz";
  if (h5::file_exists(base)) return base;
  throw std::runtime_error(base + ".gz: no such file (nor " + base + ")");
}

ImageSet load_file(const DataConfig& config, bool training) {
  if (config.stream && config.format != "hdf5")
    throw std::runtime_error("data.stream needs data.format = hdf5 (IDX files are read whole)");
  if (config.format == "idx") {
    const std::string prefix = training ? "train" : "t10k";
    const std::string images = idx_file(config.dir, prefix + "-images-idx3-ubyte");
    return read_idx(images, idx_file(config.dir, prefix + "-labels-idx1-ubyte"));
  }
  if (config.format == "hdf5") {
    const std::string path = config.dir + (training ? "/train.h5" : "/test.h5");
    if (config.stream) return stream_image_set(path, std::int64_t{config.stream_cache_mb} << 20);
    return read_image_set(path);
  }
  throw std::runtime_error("data format '" + config.format + "' unknown (use idx or hdf5)");
}

ImageSet apply_subset(ImageSet set, int n, const char* option, const char* split) {
  if (n == 0) return set;
  if (n < 0 || n > set.count)
    throw std::runtime_error(std::string(option) + " = " + std::to_string(n) + ": the " + split +
                                " split holds " + std::to_string(set.count) + " images");
  return first_n(set, n);
}

}  // namespace

DataSplits load_splits(const DataConfig& config) {
  const ImageSet training = load_file(config, true);
  ImageSet test = load_file(config, false);
  if (test.channels != training.channels || test.height != training.height ||
      test.width != training.width || test.num_classes != training.num_classes)
    throw std::runtime_error(config.dir + ": test images (" + std::to_string(test.channels) + "x" +
                             std::to_string(test.height) + "x" + std::to_string(test.width) + ", " +
                             std::to_string(test.num_classes) + " classes) differ from training images (" +
                             std::to_string(training.channels) + "x" + std::to_string(training.height) +
                             "x" + std::to_string(training.width) + ", " +
                             std::to_string(training.num_classes) + " classes)");
  const SplitIndices split = stratified_split(training.labels, training.num_classes,
                                              config.train_size, config.val_size, config.seed);
  DataSplits out;
  out.train = apply_subset(subset_view(training, split.train), config.subset_train, "subset_train", "train");
  out.val = apply_subset(subset_view(training, split.val), config.subset_val, "subset_val", "validation");
  out.val_indices.assign(split.val.begin(), split.val.begin() + out.val.count);
  out.test = apply_subset(std::move(test), config.subset_test, "subset_test", "test");
  return out;
}

}  // namespace apq
