#include "io/checkpoint_store.hpp"

#include <gtest/gtest.h>

#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

SupernetCheckpoint sample_checkpoint(std::int64_t step) {
  SupernetCheckpoint c;
  c.step = step;
  c.phase = step < 10 ? "largest" : "kernel";
  c.phases_done = step / 10;
  c.completed = step >= 20;
  c.images_seen = step * 128;
  c.weights = {{"stem.conv.weight", {2, 1, 3, 3}, std::vector<float>(18, 0.25f * static_cast<float>(step))},
               {"blocks.0.bn.running_var", {2}, {1.0f, 2.0f}}};
  c.optimizer = {{"momentum/stem.conv.weight", {2, 1, 3, 3}, std::vector<float>(18, -1.0f)}};
  return c;
}

class CheckpointStore : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("supernet.h5");
  RunMeta meta = test::sample_meta();
};

TEST_F(CheckpointStore, RoundTripsAndANewerSaveReplacesTheOlder) {
  EXPECT_FALSE(load_checkpoint(path, meta).has_value());
  save_checkpoint(path, meta, sample_checkpoint(5));
  save_checkpoint(path, meta, sample_checkpoint(20));
  const auto c = load_checkpoint(path, meta);
  ASSERT_TRUE(c.has_value());
  const SupernetCheckpoint want = sample_checkpoint(20);
  EXPECT_EQ(c->step, 20);
  EXPECT_EQ(c->phase, "kernel");
  EXPECT_EQ(c->phases_done, 2);
  EXPECT_TRUE(c->completed);
  EXPECT_EQ(c->images_seen, 2560);
  ASSERT_EQ(c->weights.size(), 2u);
  EXPECT_EQ(c->weights[0].name, "stem.conv.weight");
  EXPECT_EQ(c->weights[0].values, want.weights[0].values);
  ASSERT_EQ(c->optimizer.size(), 1u);
  EXPECT_EQ(c->optimizer[0].name, "momentum/stem.conv.weight");  // '/' escaped in the file
  EXPECT_EQ(c->optimizer[0].shape, (std::vector<std::int64_t>{2, 1, 3, 3}));
  EXPECT_FALSE(h5::file_exists(path + ".tmp"));

  const CheckpointSummary s = read_checkpoint_summary(path);
  EXPECT_EQ(s.step, 20);
  EXPECT_EQ(s.weight_arrays, 2);
  EXPECT_EQ(s.weight_values, 20);
  EXPECT_EQ(s.optimizer_values, 18);
  EXPECT_EQ(s.meta.seed, 7);
}

TEST_F(CheckpointStore, AFailedSaveKeepsThePreviousCheckpoint) {
  save_checkpoint(path, meta, sample_checkpoint(5));
  const std::string before = test::read_text(path);
  SupernetCheckpoint bad = sample_checkpoint(6);
  bad.weights.push_back(bad.weights[0]);  // duplicate name: fails halfway through the save
  EXPECT_NE(error_of([&] { save_checkpoint(path, meta, bad); }).find("duplicate name"), std::string::npos);
  EXPECT_EQ(test::read_text(path), before);
  EXPECT_FALSE(h5::file_exists(path + ".tmp"));
  EXPECT_EQ(load_checkpoint(path, meta)->step, 5);
}

TEST_F(CheckpointStore, CheckpointOfAnotherRunIsNeitherLoadedNorReplaced) {
  save_checkpoint(path, meta, sample_checkpoint(5));
  const std::string before = test::read_text(path);
  RunMeta other = meta;
  other.seed = 1;
  EXPECT_NE(error_of([&] { save_checkpoint(path, other, sample_checkpoint(9)); }).find("written for another run"),
            std::string::npos);
  EXPECT_NE(error_of([&] { load_checkpoint(path, other); }).find("written for another run"), std::string::npos);
  EXPECT_EQ(test::read_text(path), before);
  const std::string foreign = dir.file("foreign.h5");
  test::write_foreign_file(foreign);
  EXPECT_EQ(error_of([&] { save_checkpoint(foreign, meta, sample_checkpoint(1)); }),
            foreign + ": not an apq-actors file (schema attribute missing)");
}

}  // namespace
}  // namespace apq
