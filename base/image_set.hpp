// An image set (uint8 pixels, int32 labels), in memory or streamed from disk, its checks and
// subsets, normalisation statistics and the deterministic stratified train/validation split.
// Shared by io/ (which reads and writes image files) and kernels/ (which batches them into
// tensors); no files, no LibTorch.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace apq {

// Reads rows of an image file that stays on disk (io/streamed_images.hpp for HDF5 image sets).
// Safe to call from several threads.
class ImageRows {
 public:
  virtual ~ImageRows() = default;
  // The images at `rows` (file rows, any order, repeats allowed), one after another, into out.
  virtual void read(const std::vector<std::int64_t>& rows, std::uint8_t* out) const = 0;
  virtual std::string path() const = 0;
};

struct ImageSet {
  int count = 0, channels = 0, height = 0, width = 0;
  int num_classes = 0;
  std::vector<std::uint8_t> pixels;  // count x channels x height x width, row-major; empty when streamed
  std::vector<std::int32_t> labels;  // count values in [0, num_classes)
  // A streamed set keeps its pixels on disk: image i is row rows[i] of `source`. Labels and rows
  // stay in memory (12 bytes per image), so memory does not grow with the images' size.
  std::shared_ptr<const ImageRows> source;
  std::vector<std::int64_t> rows;

  bool streamed() const { return source != nullptr; }
  std::int64_t pixels_per_image() const {
    return static_cast<std::int64_t>(channels) * height * width;
  }
  const std::uint8_t* image(int i) const { return pixels.data() + i * pixels_per_image(); }  // in memory only
  // The images at `indices`, one after another, into out (from memory, or from disk when streamed).
  void copy_images(const std::vector<std::int64_t>& indices, std::uint8_t* out) const;
};

// Throws "<context>: ..." unless sizes agree with the dimensions and every label is in range.
void check_image_set(const ImageSet& set, const std::string& context);

// The images at the given indices, in that order (indices may repeat), in memory (read from disk
// for a streamed set); throws if one is out of range.
ImageSet subset(const ImageSet& set, const std::vector<int>& indices);
// The same images left where they are: a streamed set's subset is streamed (no pixels read).
ImageSet subset_view(const ImageSet& set, const std::vector<int>& indices);
// The first n images, streamed if the set is.
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
