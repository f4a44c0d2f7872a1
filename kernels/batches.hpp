// Image sets as normalised tensors, and deterministic mini-batches: a per-epoch shuffle from a
// seed, an index range view so a data-parallel rank (or a micro-batch) takes its part of a global
// batch, and optional augmentation (random crop with zero padding, horizontal flip) drawn from
// (seed, step, position in the global batch), so it is the same whichever rank gathers the image.
// Torch header.
#pragma once
#include <torch/torch.h>

#include <cstdint>
#include <vector>

#include "base/image_set.hpp"

namespace apq {

struct Normalisation {
  float mean = 0.0f, stddev = 1.0f;  // of pixel / 255
};

// A set's images as normalised float tensors: all of them in `images`, or, for a streamed set
// (ImageSet::streamed), none: each batch is read from disk and normalised when gathered, with
// the same values.
struct ImageTensors {
  torch::Tensor images;     // [N, C, H, W] float, (pixel / 255 - mean) / stddev; undefined when streamed
  torch::Tensor labels;     // [N] int64
  float background = 0.0f;  // normalised value of a black pixel (the crop padding)
  ImageSet on_disk;         // a streamed set's labels and file rows (no pixels); empty otherwise
  Normalisation norm;
  int64_t size() const { return labels.defined() ? labels.size(0) : 0; }
  bool streamed() const { return on_disk.streamed(); }
  // The normalised images at these indices, [n, C, H, W].
  torch::Tensor images_at(const std::vector<int64_t>& indices) const;
};

// Throws std::invalid_argument on an empty or inconsistent set, or stddev <= 0. A streamed set
// stays streamed (nothing is read); to_tensors(subset(...)) holds a few chosen images in memory.
ImageTensors to_tensors(const ImageSet& set, Normalisation norm);

// Which images each global step uses: epoch e = step / steps_per_epoch() is a permutation of all
// images drawn from (seed, e); step takes the next batch_size of it (the last partial batch of an
// epoch is dropped).
class BatchPlan {
 public:
  BatchPlan(int64_t images, int64_t batch_size, std::uint64_t seed);
  int64_t steps_per_epoch() const { return images_ / batch_size_; }
  int64_t batch_size() const { return batch_size_; }
  std::vector<int64_t> batch_indices(int64_t step);

 private:
  int64_t images_, batch_size_;
  std::uint64_t seed_;
  int64_t cached_epoch_ = -1;
  std::vector<int64_t> permutation_;
};

// A half-open range of positions inside a global batch.
struct IndexRange {
  int64_t begin = 0, end = 0;
  int64_t size() const { return end - begin; }
};
// Part `part` of `parts` equal parts of a batch of `total` positions; throws unless parts divides total.
IndexRange equal_part(int64_t total, int64_t parts, int64_t part);

struct Augmentation {
  bool enabled = false;
  int pad = 2;       // crop offsets drawn from [-pad, pad] in each direction
  bool flip = true;  // horizontal flip with probability 1/2
};

struct Batch {
  torch::Tensor images, labels;
};

// Gathers the images at indices[range] (positions of the global batch of `step`), augmented from
// (seed, step, position) when enabled.
Batch gather_batch(const ImageTensors& data, const std::vector<int64_t>& indices, IndexRange range,
                   const Augmentation& augmentation, std::uint64_t seed, int64_t step);

// Consecutive images [begin, end) without augmentation (evaluation, calibration).
Batch slice_batch(const ImageTensors& data, int64_t begin, int64_t end);

}  // namespace apq
