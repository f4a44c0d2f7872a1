#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "io/image_data.hpp"
#include "tests/io/io_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

const std::string kFashion = "/usr/share/datasets/fashion-mnist";

// The training file, read once for the tests that need it.
const ImageSet& fashion_train() {
  static const ImageSet set =
      read_idx(kFashion + "/train-images-idx3-ubyte.gz", kFashion + "/train-labels-idx1-ubyte.gz");
  return set;
}

// The real Fashion-MNIST split is computed once for the tests below.
class FashionSplits : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { splits_ = new DataSplits(load_splits(DataConfig{})); }
  static void TearDownTestSuite() {
    delete splits_;
    splits_ = nullptr;
  }
  static DataSplits* splits_;
};
DataSplits* FashionSplits::splits_ = nullptr;

TEST_F(FashionSplits, DefaultSplitHas50kTrain10kValidationAndTheTestFile) {
  const DataSplits& s = *splits_;
  EXPECT_EQ(s.train.count, 50000);
  EXPECT_EQ(s.val.count, 10000);
  EXPECT_EQ(s.test.count, 10000);
  EXPECT_EQ(s.train.pixels.size(), 50000u * 784u);
  EXPECT_EQ(s.val.labels.size(), 10000u);
  // Stratified: 1000 of each class validate, 5000 of each train.
  EXPECT_EQ(class_counts(s.val), std::vector<std::int64_t>(10, 1000));
  EXPECT_EQ(class_counts(s.train), std::vector<std::int64_t>(10, 5000));
  EXPECT_EQ(class_counts(s.test), std::vector<std::int64_t>(10, 1000));
}

TEST(Split, IsDisjointCoversTheRequestedSizesAndDependsOnlyOnTheSeed) {
  const ImageSet& train = fashion_train();
  const SplitIndices a = stratified_split(train.labels, 10, 50000, 10000, 1);
  ASSERT_EQ(a.train.size(), 50000u);
  ASSERT_EQ(a.val.size(), 10000u);
  std::set<int> all(a.train.begin(), a.train.end());
  EXPECT_EQ(all.size(), 50000u);  // no repeats within train
  all.insert(a.val.begin(), a.val.end());
  EXPECT_EQ(all.size(), 60000u);  // disjoint, and together every image
  EXPECT_EQ(*all.begin(), 0);
  EXPECT_EQ(*all.rbegin(), 59999);

  const SplitIndices again = stratified_split(train.labels, 10, 50000, 10000, 1);
  EXPECT_EQ(a.train, again.train);
  EXPECT_EQ(a.val, again.val);
  const SplitIndices other = stratified_split(train.labels, 10, 50000, 10000, 2);
  EXPECT_NE(a.val, other.val);
  std::vector<int> sorted_a = a.val, sorted_other = other.val;
  std::sort(sorted_a.begin(), sorted_a.end());
  std::sort(sorted_other.begin(), sorted_other.end());
  EXPECT_NE(sorted_a, sorted_other);  // a different set, not only a different order

  // The order is shuffled, not the file order.
  EXPECT_FALSE(std::is_sorted(a.train.begin(), a.train.end()));
}

TEST(Split, UnevenClassesGetProportionalQuotasThatSumExactly) {
  // 7 of class 0, 3 of class 1; 6 train + 3 validation.
  const std::vector<std::int32_t> labels{0, 0, 1, 0, 0, 1, 0, 0, 1, 0};
  const SplitIndices s = stratified_split(labels, 2, 6, 3, 5);
  ASSERT_EQ(s.train.size(), 6u);
  ASSERT_EQ(s.val.size(), 3u);
  int val_ones = 0;
  for (int i : s.val) val_ones += labels[static_cast<std::size_t>(i)];
  EXPECT_EQ(val_ones, 1);  // 3 * 3/10 = 0.9 -> 1
  std::set<int> all(s.train.begin(), s.train.end());
  all.insert(s.val.begin(), s.val.end());
  EXPECT_EQ(all.size(), 9u);
}

TEST(Split, OversizedRequestIsRejected) {
  const std::vector<std::int32_t> labels(100, 0);
  EXPECT_EQ(error_of([&] { stratified_split(labels, 1, 90, 20, 1); }),
            "split: train_size 90 + val_size 20 = 110 exceeds the 100 training images");
  DataConfig config;
  config.train_size = 55000;
  EXPECT_NE(error_of([&] { load_splits(config); }).find("= 65000 exceeds the 60000 training images"),
            std::string::npos);
}

TEST(Split, SubsetsTakeTheFirstImagesOfEachSplit) {
  DataConfig config;
  config.subset_train = 256;
  config.subset_val = 64;
  config.subset_test = 32;
  const DataSplits small = load_splits(config);
  EXPECT_EQ(small.train.count, 256);
  EXPECT_EQ(small.val.count, 64);
  EXPECT_EQ(small.test.count, 32);
  EXPECT_EQ(small.train.pixels.size(), 256u * 784u);

  // The subset is the head of the full split (same seed).
  const ImageSet& train = fashion_train();
  const SplitIndices split = stratified_split(train.labels, 10, 50000, 10000, 1);
  const ImageSet head = subset(train, std::vector<int>(split.train.begin(), split.train.begin() + 256));
  EXPECT_EQ(small.train.pixels, head.pixels);
  EXPECT_EQ(small.train.labels, head.labels);
  ASSERT_EQ(small.val_indices.size(), 64u);  // where each validation image comes from
  EXPECT_EQ(subset(train, std::vector<int>(small.val_indices.begin(), small.val_indices.end())).pixels, small.val.pixels);
  const ImageSet test_head =
      read_idx(kFashion + "/t10k-images-idx3-ubyte.gz", kFashion + "/t10k-labels-idx1-ubyte.gz");
  EXPECT_TRUE(std::equal(small.test.pixels.begin(), small.test.pixels.end(), test_head.pixels.begin()));

  config.subset_val = 20000;
  EXPECT_EQ(error_of([&] { load_splits(config); }),
            "subset_val = 20000: the validation split holds 10000 images");
}

TEST(Split, BadFormatOrDirectoryIsRejected) {
  DataConfig config;
  config.format = "csv";
  EXPECT_EQ(error_of([&] { load_splits(config); }), "data format 'csv' unknown (use idx or hdf5)");
  EXPECT_THROW(load_splits(config), std::runtime_error);  // all data errors are runtime errors
  EXPECT_EQ(error_of([&] { stratified_split({0, 1, 2}, 2, 1, 1, 1); }), "split: label 2 is outside 0..1");
  config.format = "idx";
  config.dir = "/nonexistent";
  EXPECT_EQ(error_of([&] { load_splits(config); }),
            "/nonexistent/train-images-idx3-ubyte.gz: no such file (nor /nonexistent/train-images-idx3-ubyte)");
}

TEST(ImageSetHelpers, SubsetCopiesTheChosenImagesAndChecksIndices) {
  ImageSet set;
  set.count = 3;
  set.channels = 1;
  set.height = 1;
  set.width = 2;
  set.num_classes = 2;
  set.pixels = {1, 2, 3, 4, 5, 6};
  set.labels = {0, 1, 0};
  const ImageSet picked = subset(set, {2, 0, 2});
  EXPECT_EQ(picked.count, 3);
  EXPECT_EQ(picked.pixels, (std::vector<std::uint8_t>{5, 6, 1, 2, 5, 6}));
  EXPECT_EQ(picked.labels, (std::vector<std::int32_t>{0, 0, 0}));
  EXPECT_EQ(class_counts(set), (std::vector<std::int64_t>{2, 1}));
  EXPECT_EQ(error_of([&] { subset(set, {3}); }), "subset: index 3 out of range (the set holds 3 images)");
  set.labels[1] = 2;
  EXPECT_EQ(error_of([&] { check_image_set(set, "mine"); }), "mine: label 2 at index 1 is outside 0..1");
}

TEST(NormStats, MatchesADirectComputation) {
  ImageSet set;
  set.count = 1;
  set.channels = 1;
  set.height = 2;
  set.width = 2;
  set.num_classes = 1;
  set.pixels = {0, 255, 51, 102};
  set.labels = {0};
  const NormStats s = norm_stats(set);
  const double xs[4] = {0.0, 1.0, 0.2, 0.4};
  const double mean = (xs[0] + xs[1] + xs[2] + xs[3]) / 4;
  double var = 0;
  for (double x : xs) var += (x - mean) * (x - mean) / 4;
  EXPECT_NEAR(s.mean, mean, 1e-6);
  EXPECT_NEAR(s.stddev, std::sqrt(var), 1e-6);
}

TEST_F(FashionSplits, TrainingNormStatsAreThoseOfFashionMnist) {
  const NormStats s = norm_stats(splits_->train);
  std::printf("train split: mean %.4f stddev %.4f\n", s.mean, s.stddev);
  // The whole 60k training file has mean 0.2860 and stddev 0.3530; a 50k split is within 0.002.
  EXPECT_NEAR(s.mean, 0.2860, 0.002);
  EXPECT_NEAR(s.stddev, 0.3530, 0.002);
}

}  // namespace
}  // namespace apq
