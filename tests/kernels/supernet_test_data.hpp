// Small spaces and image sets for the supernet tests.
#pragma once
#include <cstdint>
#include <string>

#include "base/rng.hpp"
#include "io/image_data.hpp"
#include "kernels/search_space.hpp"

namespace apq::test {

// 12x12 grey images, a stride-1 stage (residual blocks) and a stride-2 stage.
inline SpaceSpec tiny_spec(int image_size = 12) {
  SpaceSpec spec;
  spec.image_size = image_size;
  spec.stem_width = 8;
  spec.first_block_width = 8;
  spec.stages = {{8, 1, {1, 2}}, {12, 2, {1, 2, 3}}};
  spec.head_width = 16;
  return spec;
}

// Random pixels; labels follow the mean brightness of the left half, so there is something to learn.
inline ImageSet random_images(int count, int size, std::uint64_t seed) {
  ImageSet set;
  set.count = count;
  set.channels = 1;
  set.height = set.width = size;
  set.num_classes = 10;
  Rng rng(seed);
  set.pixels.resize(static_cast<std::size_t>(count) * size * size);
  for (auto& p : set.pixels) p = static_cast<std::uint8_t>(rng.below(256));
  for (int i = 0; i < count; ++i) {
    int sum = 0;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size / 2; ++x) sum += set.pixels[(static_cast<std::size_t>(i) * size + y) * size + x];
    set.labels.push_back((sum * 10 / (256 * size * (size / 2)) + rng.below(2)) % 10);
  }
  return set;
}

// 2x2 average pooling of every image (28x28 Fashion-MNIST -> 14x14).
inline ImageSet downsample2(const ImageSet& in) {
  ImageSet out = in;
  out.height = in.height / 2;
  out.width = in.width / 2;
  out.pixels.assign(static_cast<std::size_t>(in.count) * in.channels * out.height * out.width, 0);
  for (int i = 0; i < in.count * in.channels; ++i)
    for (int y = 0; y < out.height; ++y)
      for (int x = 0; x < out.width; ++x) {
        const std::uint8_t* src = in.pixels.data() + static_cast<std::size_t>(i) * in.height * in.width;
        const int sum = src[2 * y * in.width + 2 * x] + src[2 * y * in.width + 2 * x + 1] +
                        src[(2 * y + 1) * in.width + 2 * x] + src[(2 * y + 1) * in.width + 2 * x + 1];
        out.pixels[(static_cast<std::size_t>(i) * out.height + y) * out.width + x] = static_cast<std::uint8_t>(sum / 4);
      }
  return out;
}

// The first `count` Fashion-MNIST training images at 14x14.
inline ImageSet fashion_mnist_14(int count, int offset = 0) {
  static const ImageSet all = read_idx("/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz",
                                       "/usr/share/datasets/fashion-mnist/train-labels-idx1-ubyte.gz");
  std::vector<int> indices;
  for (int i = 0; i < count; ++i) indices.push_back(offset + i);
  return downsample2(subset(all, indices));
}

}  // namespace apq::test
