// A one-rank job (MPI singleton, no mpirun): the node, its transport thread and the
// coordinator with real workers. The multi-rank cases are in tests/mpi/.
#include "actors/node.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "actors/coordinator.hpp"
#include "actors/layout.hpp"
#include "actors/worker.hpp"
#include "base/rng.hpp"

namespace apq::actors {
namespace {

int g_thread_level = 0;

class MpiEnvironment : public ::testing::Environment {
 public:
  void SetUp() override { MPI_Init_thread(nullptr, nullptr, MPI_THREAD_MULTIPLE, &g_thread_level); }
  void TearDown() override { MPI_Finalize(); }
};
const auto* const g_mpi = ::testing::AddGlobalTestEnvironment(new MpiEnvironment);

template <class F>
bool eventually(F condition) {
  for (int i = 0; i < 2000; ++i) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return false;
}

// This rank's workers of `layout` ("worker.<rank>.<i>"), each running fn.
void add_workers(Node& node, const Layout& layout, const WorkFn& fn) {
  for (const auto& a : layout.workers_on(node.rank()))
    node.add(a.name, spawn_worker(node.system(), fn, node.rank(), std::stoi(a.name.substr(9))));
}

// Workers answering each item with its id; worker 0 first stalls for stall_ms on every item.
void add_workers_with_stalled_first(Node& node, const Layout& layout, int stall_ms) {
  for (const auto& a : layout.workers_on(node.rank())) {
    const int index = std::stoi(a.name.substr(9));
    const WorkFn fn = [index, stall_ms](const WorkItem& item) {
      if (index == 0) std::this_thread::sleep_for(std::chrono::milliseconds(stall_ms));
      WorkResult r;
      r.values = {static_cast<double>(item.id)};
      return r;
    };
    node.add(a.name, spawn_worker(node.system(), fn, node.rank(), index));
  }
}

TEST(Node, RefusesAThreadLevelBelowSerialized) {
  EXPECT_THROW(Node(MPI_COMM_WORLD, MPI_THREAD_FUNNELED), std::runtime_error);
}

TEST(Node, StageRetriesAFailedItemOnAnotherWorkerAndRecordsPermanentFailures) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  const Layout layout({node.size(), 2, 0});
  const WorkFn fn = [](const WorkItem& item) {
    if (item.id == 5 && item.attempt == 0) throw std::runtime_error("flaky on first try");
    if (item.id == 7) throw std::runtime_error("always broken");
    WorkResult r;
    r.values = {static_cast<double>(item.seed % 1000)};
    return r;
  };
  add_workers(node, layout, fn);
  node.start();
  StageOptions options;
  options.name = "unit";
  options.max_attempts = 3;
  options.progress_interval_seconds = 0.05;
  std::vector<std::string> lines;
  options.progress = [&lines](const std::string& line) { lines.push_back(line); };
  const auto ids = ids_to_run(20, {0, 19});
  const StageReport report = run_stage(node, layout.workers(), make_items(ids, 99, "unit"), options);
  ASSERT_EQ(report.results.size(), 18u);
  EXPECT_EQ(report.find(0), nullptr);  // resumed: not run again
  EXPECT_EQ(report.failed, 1u);
  for (const auto& r : report.results) {
    if (r.id == 7) continue;
    EXPECT_EQ(r.status, WorkStatus::ok) << r.id << ": " << r.error;
    EXPECT_EQ(r.values, std::vector<double>{static_cast<double>(derive_seed(99, stream_tag("unit"), r.id) % 1000)});
  }
  const WorkResult* five = report.find(5);
  ASSERT_NE(five, nullptr);
  EXPECT_EQ(five->attempt, 1u);
  const WorkResult* seven = report.find(7);
  ASSERT_NE(seven, nullptr);
  EXPECT_EQ(seven->status, WorkStatus::failed);
  EXPECT_NE(seven->error.find("failed 3 time(s)"), std::string::npos) << seven->error;
  EXPECT_NE(seven->error.find("always broken"), std::string::npos) << seven->error;
  // 1 failure of item 5, 3 of item 7; the retry of 5 ran on the other worker.
  ASSERT_EQ(report.failed_attempts.size(), 4u);
  const WorkResult& first_five = report.failed_attempts.front().id == 5 ? report.failed_attempts.front()
                                                                        : report.failed_attempts[1];
  EXPECT_NE(first_five.worker, five->worker);
  ASSERT_FALSE(lines.empty());
  EXPECT_EQ(lines.back().rfind("unit: 18/18 (", 0), 0u) << lines.back();
  EXPECT_NE(lines.back().find("1 failed"), std::string::npos);
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

TEST(Node, ItemsOnAStalledWorkerGetBackupCopiesAndReachTheSinkOnce) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  const Layout layout({node.size(), 2, 0});
  add_workers_with_stalled_first(node, layout, 2500);
  node.start();
  StageOptions options;
  options.name = "unit";
  options.backup_factor = 4;
  options.backup_min_seconds = 0.2;
  std::vector<std::string> lines;
  options.progress = [&lines](const std::string& line) { lines.push_back(line); };
  std::map<std::uint64_t, int> delivered;
  options.on_result = [&delivered](const WorkResult& r) { ++delivered[r.id]; };
  const StageReport report = run_stage(node, layout.workers(), make_items(ids_to_run(8, {}), 3, "unit"), options);
  ASSERT_EQ(report.results.size(), 8u);
  EXPECT_EQ(report.failed, 0u);
  // The two items queued at the stalled worker were finished by backups on the other one,
  // before the stalled worker answered; each reached the sink exactly once.
  EXPECT_EQ(report.backups, 2u);
  for (const auto& r : report.results) {
    EXPECT_EQ(r.worker, 1) << r.id;
    EXPECT_EQ(r.values, std::vector<double>{static_cast<double>(r.id)});
    EXPECT_EQ(delivered[r.id], 1) << r.id;
  }
  EXPECT_EQ(delivered.size(), 8u);
  EXPECT_TRUE(std::any_of(lines.begin(), lines.end(),
                          [](const std::string& l) { return l.find("backup copy sent to") != std::string::npos; }));
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

TEST(Node, BackupsOffLeaveAStalledWorkersItemsToIt) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  const Layout layout({node.size(), 2, 0});
  add_workers_with_stalled_first(node, layout, 1500);
  node.start();
  StageOptions options;
  options.name = "unit";
  options.backup_factor = 0;
  options.progress = [](const std::string&) {};
  const StageReport report = run_stage(node, layout.workers(), make_items(ids_to_run(6, {}), 3, "unit"), options);
  EXPECT_EQ(report.backups, 0u);
  EXPECT_EQ(std::count_if(report.results.begin(), report.results.end(), [](const WorkResult& r) { return r.worker == 0; }), 2);
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

TEST(Node, AFatalItemStopsTheStageWithItsErrorAndRecordsNothing) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  const Layout layout({node.size(), 2, 0});
  std::atomic<int> tries{0};
  const WorkFn fn = [&tries](const WorkItem& item) {
    ++tries;
    if (item.id == 3) throw FatalWorkError("supernet.h5: not an apq-actors file");
    return WorkResult{};
  };
  add_workers(node, layout, fn);
  node.start();
  StageOptions options;
  options.name = "unit";
  options.max_attempts = 3;
  options.progress = [](const std::string&) {};
  std::vector<std::uint64_t> recorded;
  options.on_result = [&recorded](const WorkResult& r) {
    if (r.status != WorkStatus::ok) recorded.push_back(r.id);
  };
  try {
    run_stage(node, layout.workers(), make_items(ids_to_run(8, {}), 5, "unit"), options);
    ADD_FAILURE() << "the stage finished despite a fatal error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not an apq-actors file"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(recorded.empty());  // no item is blamed for it
  EXPECT_LE(tries.load(), 8);     // and it is not retried
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

TEST(Node, TransportRejectsMalformedEnvelopesAndDeliversGoodOnes) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  std::atomic<int> pings{0};
  node.add("sink", node.system().spawn([&pings]() -> caf::behavior {
    return {[&pings](const Ping& p) { pings += static_cast<int>(p.seq); }};
  }));
  node.start();
  Transport& t = node.transport();
  t.post(0, Bytes{1, 2, 3});  // garbage
  EnvelopeHeader h;
  h.src_rank = 0;
  h.dst_rank = 0;
  h.type_id = 4242;  // unknown type
  h.dst_name = "sink";
  t.post(0, make_envelope(h, Ping{1, 0}));
  h.type_id = Ping::type_id;
  h.dst_name = "nobody";
  t.post(0, make_envelope(h, Ping{1, 0}));
  h.dst_name = "sink";
  Bytes short_payload = make_envelope(h, Ping{1, 0});
  short_payload.pop_back();
  finish_envelope(short_payload);  // consistent envelope, payload one byte short
  t.post(0, std::move(short_payload));
  t.post(0, make_envelope(h, Ping{5, 0}));
  EXPECT_TRUE(eventually([&] { return pings.load() == 5; }));
  EXPECT_TRUE(eventually([&] { return t.stats().rejected == 4; })) << t.stats().rejected;
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

}  // namespace
}  // namespace apq::actors

namespace apq::actors {
namespace {

TEST(Node, DestroyedRightAfterShutdownAllWaitsForTheShutdownInsteadOfAborting) {
  {
    Node node(MPI_COMM_WORLD, g_thread_level);
    node.start();
    node.shutdown_all();
  }  // an abort here would end the test process with MPI_Abort
  SUCCEED();
}

TEST(Node, EmptyStageReturnsAtOnce) {
  Node node(MPI_COMM_WORLD, g_thread_level);
  node.start();
  StageOptions options;
  options.name = "nothing";
  std::vector<std::string> lines;
  options.progress = [&lines](const std::string& line) { lines.push_back(line); };
  const StageReport report = run_stage(node, {}, {}, options);
  EXPECT_TRUE(report.results.empty());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("nothing: 0/0 (", 0), 0u) << lines[0];
  EXPECT_THROW(run_stage(node, {}, make_items({1}, 1, "x"), options), std::invalid_argument);
  node.shutdown_all();
  EXPECT_EQ(node.wait(), 0);
}

}  // namespace
}  // namespace apq::actors
