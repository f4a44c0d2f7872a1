// Image sources: gzip'ed or plain IDX files (Fashion-MNIST as Debian
// ships it) and HDF5 image sets; the deterministic train/validation/test split. Torch-free.
// See docs/DATA.md for the formats, the split and the normalisation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "base/image_set.hpp"

namespace apq {

// IDX files (magic 0x00000803 for images, 0x00000801 for labels), gzip'ed or not. The files must
// hold exactly what their headers promise, the counts must agree, and labels lie in
// [0, num_classes). Errors name the file and the problem in one line.
ImageSet read_idx(const std::string& images_path, const std::string& labels_path,
                  int num_classes = 10);

// HDF5 image set: datasets "images" (uint8, N x C x H x W) and "labels" (int32, N); root
// attributes schema = "apq-actors/image-set", schema_version = 1, num_classes. Writing goes to
// "<path>.tmp" and is renamed over path only when complete.
constexpr const char* kImageSetSchema = "apq-actors/image-set";
constexpr int kImageSetSchemaVersion = 1;
void write_image_set(const std::string& path, const ImageSet& set, int deflate_level = 0);
ImageSet read_image_set(const std::string& path);

struct DataConfig {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::string format = "idx";  // "idx": {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz];
                               // "hdf5": dir/train.h5 and dir/test.h5
  int train_size = 50000;      // taken from the training file...
  int val_size = 10000;        // ...disjoint from these
  int subset_train = 0, subset_val = 0, subset_test = 0;  // 0 = all; else the first N of the split
  // hdf5 only: leave the pixels on disk and read the images a batch needs when it needs them
  // (io/streamed_images.hpp), with this much HDF5 chunk cache per open file. Same results.
  bool stream = false;
  int stream_cache_mb = 32;
  std::uint64_t seed = 1;
};

struct DataSplits {
  ImageSet train, val, test;
  std::vector<std::int32_t> val_indices;  // val's images as indices into the training file, in order
};

// Loads the training file, splits it (stratified by class, shuffled, from the seed) into train and
// validation, and loads the test file untouched as test; then applies the subsets. With
// config.stream the three sets are streamed (only labels are loaded).
DataSplits load_splits(const DataConfig& config);

}  // namespace apq
