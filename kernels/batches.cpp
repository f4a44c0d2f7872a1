#include "kernels/batches.hpp"

#include <algorithm>
#include <numeric>
#include <stdexcept>
#include <string>

#include "base/rng.hpp"

namespace apq {

namespace {

// (pixel / 255 - mean) / stddev, as pixel * (1 / (255 stddev)) - mean / stddev in float: the one
// formula for whole sets and streamed batches, so both give the same values.
torch::Tensor normalised(const std::uint8_t* pixels, int64_t count, const ImageSet& shape, Normalisation norm) {
  const auto bytes = torch::from_blob(const_cast<std::uint8_t*>(pixels), {count, shape.channels, shape.height, shape.width},
                                      torch::kUInt8);
  const float scale = 1.0f / (255.0f * norm.stddev);
  return bytes.to(torch::kFloat).mul_(scale).sub_(norm.mean / norm.stddev);
}

}  // namespace

ImageTensors to_tensors(const ImageSet& set, Normalisation norm) {
  check_image_set(set, "image tensors");
  if (set.count <= 0) throw std::invalid_argument("image tensors: the image set is empty");
  if (!(norm.stddev > 0.0f)) throw std::invalid_argument("image tensors: normalisation stddev must be positive");
  ImageTensors out;
  if (set.streamed()) {
    out.on_disk = set;
  } else {
    out.images = normalised(set.pixels.data(), set.count, set, norm);
  }
  out.norm = norm;
  out.labels = torch::from_blob(const_cast<std::int32_t*>(set.labels.data()), {set.count}, torch::kInt).to(torch::kLong);
  out.background = -norm.mean / norm.stddev;
  return out;
}

torch::Tensor ImageTensors::images_at(const std::vector<int64_t>& indices) const {
  for (int64_t i : indices)
    if (i < 0 || i >= size()) throw std::invalid_argument("batches: image index " + std::to_string(i) + " out of range");
  if (!streamed()) {  // index_select only reads the indices: no copy of them needed
    const auto index = torch::from_blob(const_cast<int64_t*>(indices.data()), {static_cast<int64_t>(indices.size())}, torch::kLong);
    return images.index_select(0, index);
  }
  std::vector<std::uint8_t> pixels(indices.size() * static_cast<std::size_t>(on_disk.pixels_per_image()));
  on_disk.copy_images(indices, pixels.data());
  return normalised(pixels.data(), static_cast<int64_t>(indices.size()), on_disk, norm);
}

BatchPlan::BatchPlan(int64_t images, int64_t batch_size, std::uint64_t seed)
    : images_(images), batch_size_(batch_size), seed_(seed) {
  if (batch_size <= 0) throw std::invalid_argument("batches: batch size must be positive");
  if (images < batch_size)
    throw std::invalid_argument("batches: " + std::to_string(images) + " images, fewer than one batch of " +
                                std::to_string(batch_size));
}

std::vector<int64_t> BatchPlan::batch_indices(int64_t step) {
  if (step < 0) throw std::invalid_argument("batches: negative step");
  const int64_t epoch = step / steps_per_epoch();
  if (epoch != cached_epoch_) {
    permutation_.resize(images_);
    for (int64_t i = 0; i < images_; ++i) permutation_[i] = i;
    Rng rng(derive_seed(seed_, stream_tag("shuffle"), static_cast<std::uint64_t>(epoch)));
    for (int64_t i = images_ - 1; i > 0; --i) std::swap(permutation_[i], permutation_[rng.below(static_cast<int>(i + 1))]);
    cached_epoch_ = epoch;
  }
  const int64_t first = (step % steps_per_epoch()) * batch_size_;
  return {permutation_.begin() + first, permutation_.begin() + first + batch_size_};
}

IndexRange equal_part(int64_t total, int64_t parts, int64_t part) {
  if (parts <= 0 || total % parts != 0)
    throw std::invalid_argument("batches: a batch of " + std::to_string(total) + " does not split into " +
                                std::to_string(parts) + " equal parts");
  if (part < 0 || part >= parts) throw std::invalid_argument("batches: part index out of range");
  const int64_t size = total / parts;
  return {part * size, (part + 1) * size};
}

namespace {

// Copies one C x H x W image shifted by (dy, dx), optionally mirrored, filling uncovered pixels.
void shifted_copy(const float* src, float* dst, int64_t channels, int64_t h, int64_t w, int dy, int dx, bool flip,
                  float fill) {
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < h; ++y) {
      const int64_t sy = y + dy;
      float* row = dst + (c * h + y) * w;
      if (sy < 0 || sy >= h) {
        std::fill(row, row + w, fill);
        continue;
      }
      const float* srow = src + (c * h + sy) * w;
      for (int64_t x = 0; x < w; ++x) {
        const int64_t sx = (flip ? w - 1 - x : x) + dx;
        row[x] = (sx < 0 || sx >= w) ? fill : srow[sx];
      }
    }
}

}  // namespace

Batch gather_batch(const ImageTensors& data, const std::vector<int64_t>& indices, IndexRange range,
                   const Augmentation& augmentation, std::uint64_t seed, int64_t step) {
  if (range.begin < 0 || range.end > static_cast<int64_t>(indices.size()) || range.size() <= 0)
    throw std::invalid_argument("batches: range outside the batch");
  std::vector<int64_t> picked(indices.begin() + range.begin, indices.begin() + range.end);
  Batch batch{data.images_at(picked), {}};
  const auto index = torch::from_blob(picked.data(), {range.size()}, torch::kLong).clone();
  batch.labels = data.labels.index_select(0, index);
  if (!augmentation.enabled) return batch;
  const int64_t c = batch.images.size(1), h = batch.images.size(2), w = batch.images.size(3);
  auto out = torch::empty_like(batch.images);
  const float* src = batch.images.data_ptr<float>();
  float* dst = out.data_ptr<float>();
  const int span = 2 * augmentation.pad + 1;
  const std::uint64_t step_seed = derive_seed(seed, stream_tag("augment"), static_cast<std::uint64_t>(step));
  for (int64_t i = 0; i < range.size(); ++i) {
    Rng rng(derive_seed(step_seed, stream_tag("position"), static_cast<std::uint64_t>(range.begin + i)));
    const int dy = rng.below(span) - augmentation.pad;
    const int dx = rng.below(span) - augmentation.pad;
    const bool flip = augmentation.flip && rng.below(2) == 1;
    shifted_copy(src + i * c * h * w, dst + i * c * h * w, c, h, w, dy, dx, flip, data.background);
  }
  batch.images = out;
  return batch;
}

Batch slice_batch(const ImageTensors& data, int64_t begin, int64_t end) {
  if (begin < 0 || end > data.size() || begin >= end) throw std::invalid_argument("batches: slice outside the image set");
  if (!data.streamed()) return {data.images.slice(0, begin, end), data.labels.slice(0, begin, end)};
  std::vector<int64_t> range(static_cast<std::size_t>(end - begin));
  std::iota(range.begin(), range.end(), begin);
  return {data.images_at(range), data.labels.slice(0, begin, end)};
}

}  // namespace apq
