// Work distribution pieces that need no actor system: progress lines, retry placement,
// item seeds, resume, and what a worker makes of exceptions.
#include <gtest/gtest.h>

#include "actors/coordinator.hpp"
#include "actors/progress.hpp"
#include "actors/worker.hpp"
#include "base/rng.hpp"

namespace apq::actors {
namespace {

TEST(Progress, LinesShowDoneTotalRateAndEta) {
  EXPECT_EQ(progress_line("collect-fp", 120, 1000, 0, 40.0), "collect-fp: 120/1000 (3.00/s, ETA 4m53s)");
  EXPECT_EQ(progress_line("eval", 0, 10, 0, 5.0), "eval: 0/10 (0.00/s, ETA ?)");
  EXPECT_EQ(progress_line("eval", 10, 10, 2, 4000.0), "eval: 10/10 (0.00/s, done in 1h06m, 2 failed)");
  EXPECT_EQ(progress_line("x", 500, 1000, 0, 2.0), "x: 500/1000 (250.0/s, ETA 2s)");
  EXPECT_EQ(format_duration(59.4), "59s");
  EXPECT_EQ(format_duration(-1), "?");
}

TEST(RetryPlacement, PrefersAnotherRankThenAnotherWorker) {
  const std::set<int> ranks{0, 1};
  RetryHistory h;
  EXPECT_TRUE(may_run_on(h, 0, 0, ranks, 4));
  h.failed_ranks = {0};
  h.failed_workers = {0};
  EXPECT_FALSE(may_run_on(h, 2, 0, ranks, 4));  // same rank, other rank still untried
  EXPECT_TRUE(may_run_on(h, 1, 1, ranks, 4));
  h.failed_ranks = {0, 1};
  h.failed_workers = {0, 1};
  EXPECT_TRUE(may_run_on(h, 2, 0, ranks, 4));   // every rank failed: an untried worker
  EXPECT_FALSE(may_run_on(h, 1, 1, ranks, 4));
  h.failed_workers = {0, 1, 2, 3};
  EXPECT_TRUE(may_run_on(h, 1, 1, ranks, 4));   // every worker failed: anyone
  // A single worker retries on itself.
  RetryHistory solo{{0}, {0}};
  EXPECT_TRUE(may_run_on(solo, 0, 0, {0}, 1));
}

TEST(Items, SeedsDependOnRunSeedStageAndIdOnly) {
  const auto items = make_items({3, 5}, 1234, "collect-fp");
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0].id, 3u);
  EXPECT_EQ(items[0].task, "collect-fp");
  EXPECT_EQ(items[0].seed, derive_seed(1234, stream_tag("collect-fp"), 3));
  EXPECT_EQ(items[1].seed, make_items({5}, 1234, "collect-fp")[0].seed);
  EXPECT_NE(items[1].seed, make_items({5}, 1234, "other")[0].seed);
  EXPECT_EQ(ids_to_run(6, {1, 4, 9}), (std::vector<std::uint64_t>{0, 2, 3, 5}));
}

TEST(Worker, ExceptionFailsTheItemWithItsMessage) {
  WorkItem item;
  item.id = 9;
  item.attempt = 2;
  const WorkFn throws = [](const WorkItem&) -> WorkResult { throw std::runtime_error("out of memory"); };
  const WorkResult r = run_work_item(throws, item, 1, 3);
  EXPECT_EQ(r.status, WorkStatus::failed);
  EXPECT_EQ(r.error, "out of memory");
  EXPECT_EQ(r.id, 9u);
  EXPECT_EQ(r.rank, 1);
  EXPECT_EQ(r.worker, 3);
  EXPECT_EQ(r.attempt, 2u);
  const WorkFn ok = [](const WorkItem& it) {
    WorkResult res;
    res.values = {static_cast<double>(it.id) * 2};
    return res;
  };
  const WorkResult good = run_work_item(ok, item, 0, 0);
  EXPECT_EQ(good.status, WorkStatus::ok);
  EXPECT_EQ(good.values, std::vector<double>{18.0});
  const WorkFn silent = [](const WorkItem&) {
    WorkResult res;
    res.status = WorkStatus::failed;
    return res;
  };
  EXPECT_FALSE(run_work_item(silent, item, 0, 0).error.empty());
  const WorkFn broken_input = [](const WorkItem&) -> WorkResult { throw FatalWorkError("x.h5: not an HDF5 file"); };
  const WorkResult fatal = run_work_item(broken_input, item, 0, 0);
  EXPECT_EQ(fatal.status, WorkStatus::fatal);
  EXPECT_EQ(fatal.error, "x.h5: not an HDF5 file");
}

}  // namespace
}  // namespace apq::actors
