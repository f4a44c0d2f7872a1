#include "base/image_set.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

#include "base/rng.hpp"

namespace apq {

void check_image_set(const ImageSet& set, const std::string& context) {
  auto fail = [&](const std::string& what) { throw std::runtime_error(context + ": " + what); };
  if (set.count < 0) fail("negative image count");
  if (set.channels < 1 || set.height < 1 || set.width < 1)
    fail("image dimensions must be positive, got " + std::to_string(set.channels) + "x" +
         std::to_string(set.height) + "x" + std::to_string(set.width));
  if (set.num_classes < 1) fail("num_classes must be positive, got " + std::to_string(set.num_classes));
  const std::int64_t expected = set.streamed() ? 0 : set.count * set.pixels_per_image();
  if (set.streamed() && static_cast<int>(set.rows.size()) != set.count)
    fail(std::to_string(set.rows.size()) + " file rows for " + std::to_string(set.count) + " streamed images");
  if (static_cast<std::int64_t>(set.pixels.size()) != expected)
    fail(std::to_string(set.pixels.size()) + " pixel bytes for " + std::to_string(set.count) +
         " images of " + std::to_string(set.pixels_per_image()) + " (expected " +
         std::to_string(expected) + ")");
  if (static_cast<int>(set.labels.size()) != set.count)
    fail(std::to_string(set.labels.size()) + " labels for " + std::to_string(set.count) + " images");
  for (std::size_t i = 0; i < set.labels.size(); ++i)
    if (set.labels[i] < 0 || set.labels[i] >= set.num_classes)
      fail("label " + std::to_string(set.labels[i]) + " at index " + std::to_string(i) +
           " is outside 0.." + std::to_string(set.num_classes - 1));
}

void ImageSet::copy_images(const std::vector<std::int64_t>& indices, std::uint8_t* out) const {
  for (std::int64_t i : indices)
    if (i < 0 || i >= count)
      throw std::runtime_error("images: index " + std::to_string(i) + " out of range (the set holds " +
                               std::to_string(count) + " images)");
  if (streamed()) {
    std::vector<std::int64_t> file_rows(indices.size());
    for (std::size_t k = 0; k < indices.size(); ++k) file_rows[k] = rows[static_cast<std::size_t>(indices[k])];
    source->read(file_rows, out);
    return;
  }
  const std::int64_t stride = pixels_per_image();
  for (std::size_t k = 0; k < indices.size(); ++k)
    std::copy_n(image(static_cast<int>(indices[k])), stride, out + static_cast<std::int64_t>(k) * stride);
}

namespace {

// The set's header and the labels at `indices`, without pixels or rows.
ImageSet labels_at(const ImageSet& set, const std::vector<int>& indices, const char* what) {
  ImageSet out;
  out.count = static_cast<int>(indices.size());
  out.channels = set.channels;
  out.height = set.height;
  out.width = set.width;
  out.num_classes = set.num_classes;
  out.labels.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const int i = indices[k];
    if (i < 0 || i >= set.count)
      throw std::runtime_error(std::string(what) + ": index " + std::to_string(i) + " out of range (the set holds " +
                               std::to_string(set.count) + " images)");
    out.labels[k] = set.labels[static_cast<std::size_t>(i)];
  }
  return out;
}

}  // namespace

ImageSet subset(const ImageSet& set, const std::vector<int>& indices) {
  ImageSet out = labels_at(set, indices, "subset");
  out.pixels.resize(static_cast<std::size_t>(out.count * set.pixels_per_image()));
  set.copy_images({indices.begin(), indices.end()}, out.pixels.data());
  return out;
}

ImageSet subset_view(const ImageSet& set, const std::vector<int>& indices) {
  if (!set.streamed()) return subset(set, indices);
  ImageSet out = labels_at(set, indices, "subset");
  out.source = set.source;
  out.rows.resize(indices.size());
  for (std::size_t k = 0; k < indices.size(); ++k) out.rows[k] = set.rows[static_cast<std::size_t>(indices[k])];
  return out;
}

ImageSet first_n(const ImageSet& set, int n) {
  if (n < 0 || n > set.count)
    throw std::runtime_error("first_n: " + std::to_string(n) + " images requested, the set holds " +
                            std::to_string(set.count));
  std::vector<int> indices(static_cast<std::size_t>(n));
  std::iota(indices.begin(), indices.end(), 0);
  return subset_view(set, indices);
}

std::vector<std::int64_t> class_counts(const ImageSet& set) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(std::max(set.num_classes, 0)), 0);
  for (auto label : set.labels)
    if (label >= 0 && label < set.num_classes) ++counts[static_cast<std::size_t>(label)];
  return counts;
}

NormStats norm_stats(const ImageSet& set) {
  if (set.count == 0 || set.pixels_per_image() == 0) throw std::runtime_error("norm_stats: the image set is empty");
  // A histogram of byte values makes this exact and fast (one pass, no float accumulation).
  std::vector<std::uint64_t> histogram(256, 0);
  if (set.streamed()) {
    // One pass in file order (the split's order is random: reading it so would fetch a chunk per
    // image), one block of images in memory at a time.
    std::vector<std::int64_t> order(static_cast<std::size_t>(set.count));
    std::iota(order.begin(), order.end(), 0);
    std::sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b) { return set.rows[a] < set.rows[b]; });
    constexpr std::size_t kBlock = 1024;
    std::vector<std::uint8_t> block;
    for (std::size_t first = 0; first < order.size(); first += kBlock) {
      const std::vector<std::int64_t> indices(order.begin() + first, order.begin() + std::min(order.size(), first + kBlock));
      block.resize(indices.size() * static_cast<std::size_t>(set.pixels_per_image()));
      set.copy_images(indices, block.data());
      for (auto p : block) ++histogram[p];
    }
  } else {
    for (auto p : set.pixels) ++histogram[p];
  }
  const double n = static_cast<double>(set.count) * static_cast<double>(set.pixels_per_image());
  double sum = 0, sum_sq = 0;
  for (int v = 0; v < 256; ++v) {
    const double x = v / 255.0;
    sum += x * static_cast<double>(histogram[v]);
    sum_sq += x * x * static_cast<double>(histogram[v]);
  }
  const double mean = sum / n;
  const double variance = std::max(0.0, sum_sq / n - mean * mean);
  NormStats stats;
  stats.mean = static_cast<float>(mean);
  stats.stddev = static_cast<float>(std::sqrt(variance));
  if (stats.stddev <= 0.0f) stats.stddev = 1.0f;  // a constant set: do not divide by zero later
  return stats;
}

// Largest-remainder apportionment of `total` over weights (ties to the lower index), so the
// parts sum to total exactly and each part is at most ceil(total * w / sum).
static std::vector<int> apportion(int total, const std::vector<int>& weights) {
  const std::int64_t sum = std::accumulate(weights.begin(), weights.end(), std::int64_t{0});
  std::vector<int> parts(weights.size(), 0);
  if (sum == 0) return parts;
  std::vector<std::pair<std::int64_t, int>> remainders;  // (remainder, index)
  int given = 0;
  for (std::size_t c = 0; c < weights.size(); ++c) {
    const std::int64_t scaled = std::int64_t{total} * weights[c];
    parts[c] = static_cast<int>(scaled / sum);
    given += parts[c];
    remainders.emplace_back(scaled % sum, static_cast<int>(c));
  }
  std::sort(remainders.begin(), remainders.end(),
            [](const auto& a, const auto& b) { return a.first != b.first ? a.first > b.first : a.second < b.second; });
  for (int k = 0; given < total; ++k, ++given) ++parts[static_cast<std::size_t>(remainders[k].second)];
  return parts;
}

SplitIndices stratified_split(const std::vector<std::int32_t>& labels, int num_classes,
                              int train_size, int val_size, std::uint64_t seed) {
  const int n = static_cast<int>(labels.size());
  if (train_size < 1 || val_size < 0)
    throw std::runtime_error("split: train_size must be positive and val_size not negative (got " +
                                std::to_string(train_size) + " and " + std::to_string(val_size) + ")");
  if (std::int64_t{train_size} + val_size > n)
    throw std::runtime_error("split: train_size " + std::to_string(train_size) + " + val_size " +
                                std::to_string(val_size) + " = " +
                                std::to_string(std::int64_t{train_size} + val_size) +
                                " exceeds the " + std::to_string(n) + " training images");
  if (num_classes < 1) throw std::runtime_error("split: num_classes must be positive");
  std::vector<int> per_class(static_cast<std::size_t>(num_classes), 0);
  for (auto label : labels) {
    if (label < 0 || label >= num_classes)
      throw std::runtime_error("split: label " + std::to_string(label) + " is outside 0.." +
                               std::to_string(num_classes - 1));
    ++per_class[static_cast<std::size_t>(label)];
  }
  // Quotas: first how many of each class are used at all, then how many of those validate.
  const std::vector<int> used = apportion(train_size + val_size, per_class);
  const std::vector<int> val_quota = apportion(val_size, used);

  // One permutation (Fisher-Yates) of all indices; walking it, each image fills its class's
  // validation quota first, then its training quota. Both splits keep the permuted order.
  std::vector<int> order(static_cast<std::size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  Rng rng(derive_seed(seed, stream_tag("split"), 0));
  for (int i = n - 1; i > 0; --i) std::swap(order[i], order[rng.below(i + 1)]);

  SplitIndices split;
  split.train.reserve(static_cast<std::size_t>(train_size));
  split.val.reserve(static_cast<std::size_t>(val_size));
  std::vector<int> val_taken(per_class.size(), 0), train_taken(per_class.size(), 0);
  for (int i : order) {
    const auto c = static_cast<std::size_t>(labels[static_cast<std::size_t>(i)]);
    if (val_taken[c] < val_quota[c]) {
      ++val_taken[c];
      split.val.push_back(i);
    } else if (train_taken[c] < used[c] - val_quota[c]) {
      ++train_taken[c];
      split.train.push_back(i);
    }
  }
  return split;
}

}  // namespace apq
