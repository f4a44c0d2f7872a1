// A streamed image set (pixels on disk) gives bit-identical batches, slices and calibration
// images to the same set held in memory.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "io/image_data.hpp"
#include "io/streamed_images.hpp"
#include "kernels/batches.hpp"
#include "kernels/bn_calibration.hpp"
#include "supernet_test_data.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

TEST(StreamedBatches, AreBitIdenticalToTheSetInMemory) {
  test::ScratchDir dir;
  const ImageSet set = test::random_images(50, 8, 3);
  write_image_set(dir.file("set.h5"), set, 4);
  const ImageSet on_disk = stream_image_set(dir.file("set.h5"), 1 << 20);
  const Normalisation norm{0.3f, 0.4f};
  const ImageTensors memory = to_tensors(set, norm), streamed = to_tensors(on_disk, norm);
  EXPECT_FALSE(streamed.images.defined());  // nothing read up front
  EXPECT_EQ(streamed.size(), 50);
  EXPECT_TRUE(torch::equal(streamed.labels, memory.labels));
  EXPECT_EQ(streamed.background, memory.background);

  const std::vector<int64_t> indices{7, 49, 0, 7, 23, 11, 30, 2};
  for (bool augmented : {false, true}) {
    Augmentation aug;
    aug.enabled = augmented;
    const Batch a = gather_batch(memory, indices, {2, 8}, aug, 5, 3);
    const Batch b = gather_batch(streamed, indices, {2, 8}, aug, 5, 3);
    EXPECT_TRUE(torch::equal(a.images, b.images));
    EXPECT_TRUE(torch::equal(a.labels, b.labels));
  }
  const Batch a = slice_batch(memory, 13, 41), b = slice_batch(streamed, 13, 41);
  EXPECT_TRUE(torch::equal(a.images, b.images));
  EXPECT_TRUE(torch::equal(a.labels, b.labels));
  EXPECT_TRUE(torch::equal(calibration_images(memory, 9, 4), calibration_images(streamed, 9, 4)));
  EXPECT_THROW(gather_batch(streamed, {50}, {0, 1}, {}, 1, 0), std::invalid_argument);
}

}  // namespace
}  // namespace apq
