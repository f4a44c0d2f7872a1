#include "io/final_store.hpp"

#include <gtest/gtest.h>

#include <cmath>

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
  e.state_dict = {{"blocks.0.dw.conv.weight", {2}, {static_cast<float>(rank), 1.0f}}};
  e.blocks = {{1, 0, 5, 8, 24, 16, 2, 0, 4, 6, 8, 4}, {2, 0, 3, 16, 48, 16, 1, 1, 8, 8, 8, 8}};
  e.input_mean = 0.25f;
  e.input_stddev = 0.5f;
  e.method = rank == 2 ? "uniform4" : "joint";
  e.val_images = 2000;
  e.test_images = 10000 + rank;
  e.label_recipe_val_accuracy = 0.86 + 0.001 * rank;
  e.forecast_val_accuracy = 0.87 + 0.001 * rank;
  e.forecast_stddev = 0.004 + 0.001 * rank;
  return e;
}

TEST(FinalStore, EntriesRoundTripInRankOrderWithTheirNetworks) {
  test::ScratchDir dir;
  const std::string path = dir.file("final.h5");
  const RunMeta meta = test::sample_meta();
  EXPECT_TRUE(final_ranks(path, meta).empty());
  add_final_entry(path, meta, entry(2), {7, 3, 9});
  add_final_entry(path, meta, entry(0));  // keeps the indices
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
  EXPECT_EQ(f.entries[1].label_recipe_val_accuracy, entry(2).label_recipe_val_accuracy);
  EXPECT_EQ(f.entries[1].forecast_val_accuracy, entry(2).forecast_val_accuracy);
  EXPECT_EQ(f.entries[1].forecast_stddev, entry(2).forecast_stddev);
  EXPECT_EQ(f.val_indices, (std::vector<std::int32_t>{7, 3, 9}));
  ASSERT_EQ(f.entries[1].state_dict.size(), 1u);
  EXPECT_EQ(f.entries[1].state_dict[0].values, (std::vector<float>{2.0f, 1.0f}));
  ASSERT_EQ(f.entries[1].blocks.size(), 2u);
  EXPECT_EQ(f.entries[1].blocks[1].mid_channels, 48);
  EXPECT_EQ(f.entries[1].blocks[0].dw_a_bits, 4);
  EXPECT_EQ(f.entries[1].blocks[1].residual, 1);
  EXPECT_EQ(f.entries[1].input_stddev, 0.5f);
  EXPECT_TRUE(read_final(path, false).entries[0].state_dict.empty());
  EXPECT_EQ(read_final(path, false).entries[0].blocks.size(), 2u);
  // PyTorch's names, unescaped, for h5py users; the block table says its columns.
  const RunFile raw = RunFile::open_read(path);
  EXPECT_TRUE(raw.exists("models/2/state_dict/blocks.0.dw.conv.weight"));
  EXPECT_EQ(raw.open_dataset("models/2/blocks").string_attr("columns"),
            "slot,stage,kernel,in_channels,mid_channels,out_channels,stride,residual,pw_w_bits,pw_a_bits,dw_w_bits,dw_a_bits");
  EXPECT_EQ(raw.string_attr("schema"), "apq-actors/final");
}

TEST(FinalStore, FilesFromBeforeTheStateDictNamesReadTheSame) {
  test::ScratchDir dir;
  const std::string path = dir.file("final.h5");
  const RunMeta meta = test::sample_meta();
  add_final_entry(path, meta, entry(0));
  {  // Rewrite the model group as older files have it: "model/"-prefixed names under weights.
    h5::File file = h5::File::open_rw(path);
    file.remove("models/0");
    write_named_arrays(file, "models/0/weights", {{"model/blocks.0.dw.conv.weight", {2}, {0.0f, 1.0f}}});
  }
  const FinalFile f = read_final(path, true);
  ASSERT_EQ(f.entries[0].state_dict.size(), 1u);
  EXPECT_EQ(f.entries[0].state_dict[0].name, "blocks.0.dw.conv.weight");
  EXPECT_TRUE(f.entries[0].blocks.empty());
  EXPECT_EQ(f.entries[0].input_stddev, 0.0f);  // not recorded: the exporter takes supernet.h5's
}

TEST(FinalStore, FilesFromBeforeTheLaterColumnsReadThemAsUnknownAndTakeNewEntries) {
  test::ScratchDir dir;
  const std::string path = dir.file("final.h5");
  const RunMeta meta = test::sample_meta();
  add_final_entry(path, meta, entry(0));
  {
    h5::File file = h5::File::open_rw(path);
    file.remove("report/label_recipe_val_accuracy");
    file.remove("report/forecast_val_accuracy");
    file.remove("report/forecast_stddev");
  }
  EXPECT_TRUE(std::isnan(read_final(path, false).entries[0].label_recipe_val_accuracy));
  EXPECT_TRUE(std::isnan(read_final(path, false).entries[0].forecast_val_accuracy));
  add_final_entry(path, meta, entry(1));  // a resumed finalize adds to such a file
  const FinalFile f = read_final(path, false);
  ASSERT_EQ(f.entries.size(), 2u);
  EXPECT_TRUE(std::isnan(f.entries[0].label_recipe_val_accuracy));
  EXPECT_EQ(f.entries[1].label_recipe_val_accuracy, entry(1).label_recipe_val_accuracy);
  EXPECT_TRUE(std::isnan(f.entries[0].forecast_val_accuracy));
  EXPECT_EQ(f.entries[1].forecast_val_accuracy, entry(1).forecast_val_accuracy);
  EXPECT_TRUE(std::isnan(f.entries[0].forecast_stddev));
  EXPECT_EQ(f.entries[1].forecast_stddev, entry(1).forecast_stddev);
}

}  // namespace
}  // namespace apq
