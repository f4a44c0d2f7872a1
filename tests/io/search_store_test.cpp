#include "io/search_store.hpp"

#include <gtest/gtest.h>

#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

std::vector<HistoryRow> generation(std::int64_t g) {
  return {{g, 0, 0.5 + 0.01 * static_cast<double>(g), 0.4, 20}, {g, 1, 0.52, 0.41, 20}};
}

std::vector<SearchResult> sample_results() {
  return {{0, "k3m48 | k5m64", "w4a4 w8a8", 0.91, 1.5, 0.4, 2e9, 1}, {1, "k3m32 | k3m32", "w2a4 w4a4", 0.89, 1.1, 0.3, 1e9, 0}};
}

class SearchStore : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("search.h5");
  RunMeta meta = test::sample_meta();
  SearchBudget budget{2.0, 0.0, 0.0};
};

TEST_F(SearchStore, HistoryAndResultsOfTwoMethodsRoundTrip) {
  {
    SearchWriter w(path, meta, "joint", budget);
    w.append_history(generation(0));
    w.append_history(generation(1));
  }
  SearchWriter w(path, meta, "joint", budget);  // reopened: history kept
  EXPECT_EQ(w.history_rows(), 4);
  w.append_history(generation(2));
  EXPECT_FALSE(w.has_results());
  w.write_results(sample_results());
  EXPECT_TRUE(w.has_results());
  EXPECT_NE(error_of([&] { w.write_results(sample_results()); }).find("results are already stored"), std::string::npos);
  SearchWriter staged(path, meta, "staged", budget);
  staged.append_history(generation(0));

  const SearchFile f = read_search(path);
  EXPECT_EQ(f.budget.latency_ms, 2.0);
  ASSERT_EQ(f.sets.size(), 2u);
  EXPECT_EQ(f.sets[0].method, "joint");
  EXPECT_TRUE(f.sets[0].completed);
  ASSERT_EQ(f.sets[0].history.size(), 6u);
  EXPECT_EQ(f.sets[0].history[5].generation, 2);
  EXPECT_EQ(f.sets[0].history[5].island, 1);
  EXPECT_EQ(f.sets[0].history[4].best_fitness, 0.52);
  EXPECT_EQ(f.sets[0].history[4].evaluated, 20);
  ASSERT_EQ(f.sets[0].results.size(), 2u);
  EXPECT_EQ(f.sets[0].results[1].arch, "k3m32 | k3m32");
  EXPECT_EQ(f.sets[0].results[1].policy, "w2a4 w4a4");
  EXPECT_EQ(f.sets[0].results[0].island, 1);
  EXPECT_EQ(f.sets[0].results[0].bitops, 2e9);
  EXPECT_EQ(f.sets[1].method, "staged");
  EXPECT_FALSE(f.sets[1].completed);
  EXPECT_TRUE(f.sets[1].results.empty());
  const RunFile raw = RunFile::open_read(path);
  EXPECT_EQ(raw.string_attr("method"), "joint staged");
  EXPECT_EQ(raw.open_group("joint").open_table("history").string_attr("columns"), kHistoryColumns);
}

TEST(SearchHistory, PredictorCallsAreEachIslandsFinalCountSummed) {
  // evaluated is cumulative per island: island 0 ends at 300, island 1 at 250.
  const std::vector<HistoryRow> history{{0, 0, 0.5, 0.4, 100}, {0, 1, 0.5, 0.4, 100}, {1, 0, 0.6, 0.5, 200},
                                        {1, 1, 0.6, 0.5, 250}, {2, 0, 0.6, 0.5, 300}};
  EXPECT_EQ(predictor_calls(history), 550);
  EXPECT_EQ(predictor_calls({}), 0);
}

TEST_F(SearchStore, TruncatedHistoryRestartsCleanly) {
  SearchWriter w(path, meta, "joint", budget);
  for (int g = 0; g < 3; ++g) w.append_history(generation(g));
  w.truncate_history(2);
  EXPECT_EQ(w.history_rows(), 2);
  EXPECT_NE(error_of([&] { w.truncate_history(3); }).find("cannot truncate 2 rows to 3"), std::string::npos);
  w.append_history(generation(1));
  EXPECT_EQ(read_search(path).sets[0].history.back().generation, 1);
}

TEST_F(SearchStore, AnotherRunOrBudgetIsRejectedAndTheFileLeftAlone) {
  { SearchWriter w(path, meta, "joint", budget); w.append_history(generation(0)); }
  const std::string before = test::read_text(path);
  RunMeta other = meta;
  other.seed = 99;
  EXPECT_NE(error_of([&] { SearchWriter(path, other, "joint", budget); }).find("written for another run (seed 7"),
            std::string::npos);
  EXPECT_NE(error_of([&] { SearchWriter(path, meta, "joint", SearchBudget{3.0, 0, 0}); })
                .find("written for another budget"),
            std::string::npos);
  EXPECT_NE(error_of([&] { SearchWriter(path, meta, "a b", budget); }).find("not a plain name"), std::string::npos);
  EXPECT_EQ(test::read_text(path), before);
}

}  // namespace
}  // namespace apq
