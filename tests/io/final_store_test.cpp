#include "io/final_store.hpp"

#include <gtest/gtest.h>

#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

FinalEntry entry(std::int32_t rank) {
  FinalEntry e;
  e.rank = rank;
  e.arch = "k3m" + std::to_string(rank);
  e.policy = "w4a4";
  e.predicted_accuracy = 0.9 - 0.01 * rank;
  e.val_accuracy = 0.88;
  e.test_accuracy = 0.87 - 0.01 * rank;
  e.latency_ms = 1.0 + rank;
  e.energy_mj = 0.5;
  e.bitops = 1e9;
  e.fine_tune_epochs = 2;
  e.weights = {{"w", {2}, {static_cast<float>(rank), 1.0f}}};
  e.method = rank == 2 ? "uniform4" : "joint";
  e.val_images = 2000;
  e.test_images = 10000 + rank;
  return e;
}

TEST(FinalStore, EntriesRoundTripInRankOrderWithWeights) {
  test::ScratchDir dir;
  const std::string path = dir.file("final.h5");
  const RunMeta meta = test::sample_meta();
  EXPECT_TRUE(final_ranks(path, meta).empty());
  add_final_entry(path, meta, entry(2));
  add_final_entry(path, meta, entry(0));
  EXPECT_EQ(final_ranks(path, meta), (std::set<std::int32_t>{0, 2}));
  const std::string before = test::read_text(path);
  EXPECT_EQ(error_of([&] { add_final_entry(path, meta, entry(2)); }), path + ": rank 2 is already stored");
  RunMeta other = meta;
  other.seed = 3;
  EXPECT_NE(error_of([&] { add_final_entry(path, other, entry(1)); }).find("written for another run"), std::string::npos);
  EXPECT_EQ(test::read_text(path), before);

  const FinalFile f = read_final(path, true);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_EQ(f.entries[0].rank, 0);
  EXPECT_EQ(f.entries[1].rank, 2);
  EXPECT_EQ(f.entries[1].arch, "k3m2");
  EXPECT_EQ(f.entries[1].test_accuracy, entry(2).test_accuracy);
  EXPECT_EQ(f.entries[1].fine_tune_epochs, 2);
  EXPECT_EQ(f.entries[0].method, "joint");
  EXPECT_EQ(f.entries[1].method, "uniform4");
  EXPECT_EQ(f.entries[1].val_images, 2000);
  EXPECT_EQ(f.entries[1].test_images, 10002);
  ASSERT_EQ(f.entries[1].weights.size(), 1u);
  EXPECT_EQ(f.entries[1].weights[0].values, (std::vector<float>{2.0f, 1.0f}));
  EXPECT_TRUE(read_final(path, false).entries[0].weights.empty());
  const RunFile raw = RunFile::open_read(path);
  EXPECT_TRUE(raw.is_group("models/2/weights"));
  EXPECT_EQ(raw.string_attr("schema"), "apq-actors/final");
}

}  // namespace
}  // namespace apq
