// In-memory image sets and their sources: gzip'ed or plain IDX files (Fashion-MNIST as Debian
// ships it) and HDF5 image sets; the deterministic train/validation/test split. Torch-free.
// See docs/DATA.md for the formats, the split and the normalisation.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace apq {

struct ImageSet {
  int count = 0, channels = 0, height = 0, width = 0;
  int num_classes = 0;
  std::vector<std::uint8_t> pixels;  // count x channels x height x width, row-major
  std::vector<std::int32_t> labels;  // count values in [0, num_classes)

  std::int64_t pixels_per_image() const {
    return static_cast<std::int64_t>(channels) * height * width;
  }
  const std::uint8_t* image(int i) const { return pixels.data() + i * pixels_per_image(); }
};

// Throws "<context>: ..." unless sizes agree with the dimensions and every label is in range.
void check_image_set(const ImageSet& set, const std::string& context);

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

// The images at the given indices, in that order (indices may repeat); throws if one is out of range.
ImageSet subset(const ImageSet& set, const std::vector<int>& indices);
ImageSet first_n(const ImageSet& set, int n);
// Images per class, num_classes entries.
std::vector<std::int64_t> class_counts(const ImageSet& set);

// Mean and standard deviation (population) of pixels / 255 over the whole set.
struct NormStats {
  float mean = 0.0f, stddev = 1.0f;
};
NormStats norm_stats(const ImageSet& set);

struct DataConfig {
  std::string dir = "/usr/share/datasets/fashion-mnist";
  std::string format = "idx";  // "idx": {train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz];
                               // "hdf5": dir/train.h5 and dir/test.h5
  int train_size = 50000;      // taken from the training file...
  int val_size = 10000;        // ...disjoint from these
  int subset_train = 0, subset_val = 0, subset_test = 0;  // 0 = all; else the first N of the split
  std::uint64_t seed = 1;
};

struct DataSplits {
  ImageSet train, val, test;
  std::vector<std::int32_t> val_indices;  // val's images as indices into the training file, in order
};

// Loads the training file, splits it (stratified by class, shuffled, from the seed) into train and
// validation, and loads the test file untouched as test; then applies the subsets.
DataSplits load_splits(const DataConfig& config);

// The split alone: indices into `labels` for train and validation, each in shuffled order.
struct SplitIndices {
  std::vector<int> train, val;
};
SplitIndices stratified_split(const std::vector<std::int32_t>& labels, int num_classes,
                              int train_size, int val_size, std::uint64_t seed);

}  // namespace apq
