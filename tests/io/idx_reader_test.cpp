#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "io/image_data.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

using test::error_of;
using test::idx_images;
using test::idx_labels;
using test::write_bytes;

const std::string kFashion = "/usr/share/datasets/fashion-mnist";

TEST(IdxReader, LoadsFashionMnistTrainingAndTestFiles) {
  const auto start = std::chrono::steady_clock::now();
  const ImageSet train = read_idx(kFashion + "/train-images-idx3-ubyte.gz",
                                  kFashion + "/train-labels-idx1-ubyte.gz");
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("60k training images loaded in %.3f s\n", seconds);  // figure only, not asserted
  EXPECT_EQ(train.count, 60000);
  EXPECT_EQ(train.channels, 1);
  EXPECT_EQ(train.height, 28);
  EXPECT_EQ(train.width, 28);
  EXPECT_EQ(train.num_classes, 10);
  EXPECT_EQ(train.pixels.size(), 60000u * 784u);
  EXPECT_EQ(train.labels.size(), 60000u);
  EXPECT_EQ(class_counts(train), std::vector<std::int64_t>(10, 6000));
  // Pixels are not all the same value (the file was really decoded).
  EXPECT_NE(std::count(train.pixels.begin(), train.pixels.end(), 0), 0);
  EXPECT_NE(std::count(train.pixels.begin(), train.pixels.end(), 255), 0);
  // Known facts of Fashion-MNIST: the first two training labels are 9 (ankle boot) and 0 (T-shirt).
  EXPECT_EQ(train.labels[0], 9);
  EXPECT_EQ(train.labels[1], 0);

  const ImageSet test = read_idx(kFashion + "/t10k-images-idx3-ubyte.gz",
                                 kFashion + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(test.count, 10000);
  EXPECT_EQ(test.height, 28);
  EXPECT_EQ(class_counts(test), std::vector<std::int64_t>(10, 1000));
}

class IdxFiles : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string images = dir.file("images.idx");
  std::string labels = dir.file("labels.idx");
  std::vector<std::uint8_t> three_labels{0, 2, 1};
};

TEST_F(IdxFiles, PlainAndGzippedFilesGiveTheSameImages) {
  write_bytes(images, idx_images(0x803, 3, 2, 4, 24), false);
  write_bytes(labels, idx_labels(0x801, 3, three_labels), false);
  write_bytes(images + ".gz", idx_images(0x803, 3, 2, 4, 24), true);
  write_bytes(labels + ".gz", idx_labels(0x801, 3, three_labels), true);
  const ImageSet plain = read_idx(images, labels, 3);
  const ImageSet gz = read_idx(images + ".gz", labels + ".gz", 3);
  EXPECT_EQ(plain.count, 3);
  EXPECT_EQ(plain.height, 2);
  EXPECT_EQ(plain.width, 4);
  EXPECT_EQ(plain.pixels, gz.pixels);
  EXPECT_EQ(plain.labels, gz.labels);
  EXPECT_EQ(plain.labels, (std::vector<std::int32_t>{0, 2, 1}));
  EXPECT_EQ(plain.pixels[5], static_cast<std::uint8_t>(35));
}

TEST_F(IdxFiles, TruncatedPixelsAreRejectedWithTheByteCount) {
  for (bool gzip : {false, true}) {
    write_bytes(images, idx_images(0x803, 3, 2, 4, 20), gzip);
    write_bytes(labels, idx_labels(0x801, 3, three_labels), gzip);
    EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
              images + ": truncated: header promises 3 images of 2x4, file holds 20 bytes of pixels");
  }
}

TEST_F(IdxFiles, TruncatedGzipStreamIsRejected) {
  write_bytes(images + ".gz", idx_images(0x803, 3, 2, 4, 24), true);
  std::string bytes = test::read_text(images + ".gz");
  bytes.resize(bytes.size() - 12);  // cut into the deflate stream and drop the trailer
  write_bytes(images + ".gz", std::vector<std::uint8_t>(bytes.begin(), bytes.end()), false);
  write_bytes(labels, idx_labels(0x801, 3, three_labels), false);
  const std::string message = error_of([&] { read_idx(images + ".gz", labels, 3); });
  EXPECT_NE(message.find(images + ".gz: truncated"), std::string::npos) << message;
}

TEST_F(IdxFiles, TrailingBytesAreRejected) {
  write_bytes(images, idx_images(0x803, 3, 2, 4, 25), false);
  write_bytes(labels, idx_labels(0x801, 3, three_labels), false);
  EXPECT_NE(error_of([&] { read_idx(images, labels, 3); }).find(images + ": trailing data"),
            std::string::npos);
}

TEST_F(IdxFiles, WrongMagicIsRejected) {
  write_bytes(images, idx_images(0x801, 3, 2, 4, 24), false);
  write_bytes(labels, idx_labels(0x801, 3, three_labels), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            images + ": not an IDX image file (magic 0x00000801, expected 0x00000803; it is an IDX label file)");
  write_bytes(images, idx_images(0x803, 3, 2, 4, 24), false);
  write_bytes(labels, idx_labels(0x12345678, 3, three_labels), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            labels + ": not an IDX label file (magic 0x12345678, expected 0x00000801)");
}

TEST_F(IdxFiles, LabelAndImageCountMismatchIsRejected) {
  write_bytes(images, idx_images(0x803, 3, 2, 4, 24), false);
  write_bytes(labels, idx_labels(0x801, 2, {0, 1}), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            labels + ": header promises 2 labels but " + images + " holds 3 images");
}

TEST_F(IdxFiles, TruncatedLabelsAndOutOfRangeLabelsAreRejected) {
  write_bytes(images, idx_images(0x803, 3, 2, 4, 24), false);
  write_bytes(labels, idx_labels(0x801, 3, {0, 1}), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            labels + ": truncated: header promises 3 labels, file holds 2");
  write_bytes(labels, idx_labels(0x801, 3, {0, 3, 1}), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            labels + ": label 3 at index 1 is outside 0..2");
}

TEST_F(IdxFiles, ShortHeaderMissingFileAndZeroDimensionsAreRejected) {
  write_bytes(images, {0, 0, 8, 3, 0, 0}, false);
  write_bytes(labels, idx_labels(0x801, 3, three_labels), false);
  EXPECT_EQ(error_of([&] { read_idx(images, labels, 3); }),
            images + ": truncated: no room for the header's image count");
  write_bytes(images, idx_images(0x803, 3, 0, 4, 0), false);
  EXPECT_NE(error_of([&] { read_idx(images, labels, 3); }).find("implausible dimensions"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { read_idx(dir.file("missing"), labels, 3); }),
            dir.file("missing") + ": cannot open (no such file or no permission)");
}

}  // namespace
}  // namespace apq
