// An in-memory image set (uint8 pixels, int32 labels), its checks and subsets, normalisation
// statistics and the deterministic stratified train/validation split. Shared by io/ (which reads
// and writes image files) and kernels/ (which batches them into tensors); no files, no LibTorch.
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

// The split alone: indices into `labels` for train and validation, each in shuffled order.
struct SplitIndices {
  std::vector<int> train, val;
};
SplitIndices stratified_split(const std::vector<std::int32_t>& labels, int num_classes,
                              int train_size, int val_size, std::uint64_t seed);

}  // namespace apq
