// Streamed image sets (io/streamed_images.hpp): the same images, labels, subsets, statistics and
// splits as the set read whole, with the pixels left on disk.
#include <gtest/gtest.h>

#include <numeric>

#include "io/image_data.hpp"
#include "io/streamed_images.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

// 40 images of 2 x 3 x 5 with distinct pixels, 4 classes.
ImageSet numbered_set(int count = 40) {
  ImageSet set;
  set.count = count;
  set.channels = 2;
  set.height = 3;
  set.width = 5;
  set.num_classes = 4;
  for (int i = 0; i < count * 30; ++i) set.pixels.push_back(static_cast<std::uint8_t>((i * 37 + i / 256) % 251));
  for (int i = 0; i < count; ++i) set.labels.push_back((i * 7) % 4);
  return set;
}

std::vector<std::uint8_t> images_of(const ImageSet& set, const std::vector<std::int64_t>& indices) {
  std::vector<std::uint8_t> out(indices.size() * static_cast<std::size_t>(set.pixels_per_image()));
  set.copy_images(indices, out.data());
  return out;
}

class StreamedImages : public ::testing::TestWithParam<int> {  // the file's deflate level
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("set.h5");
  ImageSet whole = numbered_set();
  void SetUp() override { write_image_set(path, whole, GetParam()); }
};

TEST_P(StreamedImages, ReadsTheSameImagesInAnyOrderWithRepeats) {
  const ImageSet streamed = stream_image_set(path, 1 << 20);
  ASSERT_TRUE(streamed.streamed());
  EXPECT_TRUE(streamed.pixels.empty());
  EXPECT_EQ(streamed.count, 40);
  EXPECT_EQ(streamed.labels, whole.labels);
  for (const std::vector<std::int64_t>& indices :
       {std::vector<std::int64_t>{0, 1, 2}, {39, 3, 3, 17, 0}, {5}, {10, 11, 12, 30, 31, 2}}) {
    EXPECT_EQ(images_of(streamed, indices), images_of(whole, indices));
  }
  EXPECT_NE(error_of([&] { images_of(streamed, {40}); }).find("index 40 out of range"), std::string::npos);
}

TEST_P(StreamedImages, SubsetsStayOnDiskOrComeIntoMemoryAsAsked) {
  const ImageSet streamed = stream_image_set(path, 0);
  const std::vector<int> pick{9, 2, 33, 2};
  const ImageSet view = subset_view(streamed, pick);
  EXPECT_TRUE(view.streamed());
  EXPECT_EQ(view.labels, subset(whole, pick).labels);
  EXPECT_EQ(images_of(view, {0, 1, 2, 3}), subset(whole, pick).pixels);
  const ImageSet copy = subset(streamed, pick);
  EXPECT_FALSE(copy.streamed());
  EXPECT_EQ(copy.pixels, subset(whole, pick).pixels);
  const ImageSet head = first_n(view, 2);
  EXPECT_TRUE(head.streamed());
  EXPECT_EQ(images_of(head, {1, 0}), images_of(whole, {2, 9}));
}

TEST_P(StreamedImages, NormStatsAreExactlyThoseOfTheWholeSet) {
  const ImageSet big = numbered_set(1300);  // more than one block of the streamed pass
  write_image_set(path, big, GetParam());
  const NormStats a = norm_stats(big), b = norm_stats(stream_image_set(path, 1 << 20));
  EXPECT_EQ(a.mean, b.mean);
  EXPECT_EQ(a.stddev, b.stddev);
}

INSTANTIATE_TEST_SUITE_P(ContiguousAndChunked, StreamedImages, ::testing::Values(0, 4));

TEST(StreamedSplits, GiveTheSameSplitsAsSetsReadWhole) {
  test::ScratchDir dir;
  write_image_set(dir.file("train.h5"), numbered_set(60));
  write_image_set(dir.file("test.h5"), numbered_set(12));
  DataConfig config;
  config.format = "hdf5";
  config.dir = dir.path();
  config.train_size = 40;
  config.val_size = 16;
  config.subset_val = 10;
  const DataSplits whole = load_splits(config);
  config.stream = true;
  const DataSplits streamed = load_splits(config);
  EXPECT_EQ(streamed.val_indices, whole.val_indices);
  for (auto [a, b] : {std::pair{&whole.train, &streamed.train}, {&whole.val, &streamed.val}, {&whole.test, &streamed.test}}) {
    EXPECT_TRUE(b->streamed());
    EXPECT_EQ(b->labels, a->labels);
    std::vector<std::int64_t> all(static_cast<std::size_t>(a->count));
    std::iota(all.begin(), all.end(), 0);
    EXPECT_EQ(images_of(*b, all), a->pixels);
  }
}

TEST(StreamedSplits, IdxFilesCannotBeStreamed) {
  DataConfig config;
  config.stream = true;
  EXPECT_EQ(error_of([&] { load_splits(config); }), "data.stream needs data.format = hdf5 (IDX files are read whole)");
}

}  // namespace
}  // namespace apq
