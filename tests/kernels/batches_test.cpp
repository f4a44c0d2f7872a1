// Normalised tensors, deterministic shuffles, shards of a batch, augmentation.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <algorithm>
#include <set>

#include "kernels/batches.hpp"
#include "supernet_test_data.hpp"

namespace apq {
namespace {

TEST(Batches, TensorsAreNormalised) {
  const ImageSet set = test::random_images(6, 8, 1);
  const ImageTensors t = to_tensors(set, {0.5f, 0.25f});
  EXPECT_EQ(t.images.sizes(), (std::vector<int64_t>{6, 1, 8, 8}));
  EXPECT_NEAR(t.images[2][0][3][4].item<float>(), (set.pixels[2 * 64 + 3 * 8 + 4] / 255.0f - 0.5f) / 0.25f, 1e-5);
  EXPECT_EQ(t.labels[5].item<int64_t>(), set.labels[5]);
  EXPECT_FLOAT_EQ(t.background, -2.0f);
  EXPECT_THROW(to_tensors(set, {0.5f, 0.0f}), std::invalid_argument);
}

TEST(Batches, EachEpochIsASeededPermutation) {
  BatchPlan a(10, 3, 7), b(10, 3, 7), c(10, 3, 8);
  EXPECT_EQ(a.steps_per_epoch(), 3);
  std::set<int64_t> seen;
  for (int s = 0; s < 3; ++s) {
    const auto batch = a.batch_indices(s);
    EXPECT_EQ(batch, b.batch_indices(s));
    seen.insert(batch.begin(), batch.end());
  }
  EXPECT_EQ(seen.size(), 9u);  // one image of 10 dropped with the partial batch
  EXPECT_NE(a.batch_indices(0), a.batch_indices(3));  // a new shuffle for epoch 1
  EXPECT_EQ(a.batch_indices(1), b.batch_indices(1));  // going back re-derives epoch 0
  bool differs = false;
  for (int s = 0; s < 3; ++s) differs = differs || a.batch_indices(s) != c.batch_indices(s);
  EXPECT_TRUE(differs);
  EXPECT_THROW(BatchPlan(2, 3, 1), std::invalid_argument);
}

TEST(Batches, EqualPartsCoverTheBatch) {
  EXPECT_EQ(equal_part(12, 4, 0).begin, 0);
  EXPECT_EQ(equal_part(12, 4, 3).begin, 9);
  EXPECT_EQ(equal_part(12, 4, 3).end, 12);
  EXPECT_THROW(equal_part(10, 4, 0), std::invalid_argument);
  EXPECT_THROW(equal_part(12, 4, 4), std::invalid_argument);
}

TEST(Batches, AugmentationDependsOnPositionNotOnTheShard) {
  const ImageTensors data = to_tensors(test::random_images(20, 8, 3), {0.5f, 0.3f});
  BatchPlan plan(20, 8, 4);
  const auto indices = plan.batch_indices(1);
  const Augmentation aug{true, 2, true};
  const Batch whole = gather_batch(data, indices, {0, 8}, aug, 9, 1);
  const Batch first = gather_batch(data, indices, {0, 4}, aug, 9, 1);
  const Batch second = gather_batch(data, indices, {4, 8}, aug, 9, 1);
  EXPECT_TRUE(torch::equal(whole.images, torch::cat({first.images, second.images})));
  EXPECT_TRUE(torch::equal(whole.labels, torch::cat({first.labels, second.labels})));
  const Batch plain = gather_batch(data, indices, {0, 8}, Augmentation{}, 9, 1);
  EXPECT_FALSE(torch::equal(whole.images, plain.images));
  const Batch other_step = gather_batch(data, indices, {0, 8}, aug, 9, 2);
  EXPECT_FALSE(torch::equal(whole.images, other_step.images));
  // Every augmented image is its source shifted by at most 2 pixels (possibly mirrored), padded
  // with the background value.
  for (int i = 0; i < 8; ++i) {
    const auto src = plain.images[i][0];
    const auto got = whole.images[i][0];
    bool found = false;
    for (int flip = 0; flip < 2 && !found; ++flip) {
      const auto s = flip ? src.flip({1}) : src;
      const auto padded = torch::constant_pad_nd(s, {2, 2, 2, 2}, data.background);
      for (int dy = 0; dy <= 4 && !found; ++dy)
        for (int dx = 0; dx <= 4 && !found; ++dx)
          found = torch::equal(padded.slice(0, dy, dy + 8).slice(1, dx, dx + 8), got);
    }
    EXPECT_TRUE(found) << "image " << i;
  }
}

}  // namespace
}  // namespace apq
