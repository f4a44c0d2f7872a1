#include "io/dataset_store.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "io/hdf5_file.hpp"
#include "tests/io/store_test_util.hpp"

namespace apq {
namespace {

using test::error_of;

// A score whose every field differs with id, halves included.
EvalScore eval_score(std::int64_t id, double top1) {
  EvalScore s;
  s.top1 = top1;
  s.loss = 0.3 + 0.02 * static_cast<double>(id);
  s.images = 1001;
  s.even = {501, 400 + id, 0.31 + 0.01 * static_cast<double>(id)};
  s.odd = {500, 390 + id, 0.29 + 0.01 * static_cast<double>(id)};
  return s;
}

void expect_same(const EvalScore& a, const EvalScore& b) {
  EXPECT_EQ(a.top1, b.top1);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.images, b.images);
  for (const auto& [x, y] : {std::pair{a.even, b.even}, std::pair{a.odd, b.odd}}) {
    EXPECT_EQ(x.images, y.images);
    EXPECT_EQ(x.correct, y.correct);
    EXPECT_EQ(x.loss, y.loss);
  }
}

FpRecord fp_record(std::int64_t id) {
  std::vector<float> code(6, 0.0f);
  code[static_cast<std::size_t>(id % 6)] = 1.0f;
  return {id, "k3m" + std::to_string(id) + " | k5m64", code, eval_score(id, 0.5 + 0.01 * static_cast<double>(id)), 1.5 * id};
}

QuantRecord quant_record(std::int64_t id) {
  QuantRecord r;
  r.id = id;
  r.arch = "k5m32 | k7m" + std::to_string(id);
  r.arch_code = {1, 0, 0, 1};
  r.policy = "w4a8 w8a8";
  r.policy_code = {0, 1, 1};
  r.kind = id % 2 ? QuantItemKind::policy_group : QuantItemKind::random_pair;
  r.group = id % 2 ? id / 2 : -1;
  r.score = eval_score(id, 0.8 - 0.01 * static_cast<double>(id));
  if (id != 1) r.fp_accuracy = 0.85;
  r.bitops = 1e9 * static_cast<double>(id + 1);
  r.latency_ms = 0.5 * static_cast<double>(id + 1);
  r.energy_mj = 0.25 * static_cast<double>(id + 1);
  r.seconds = 3.0;
  return r;
}

void expect_same(const FpRecord& a, const FpRecord& b) {
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.arch, b.arch);
  EXPECT_EQ(a.arch_code, b.arch_code);
  expect_same(a.score, b.score);
  EXPECT_EQ(a.seconds, b.seconds);
}

class DatasetStore : public ::testing::Test {
 protected:
  test::ScratchDir dir;
  std::string path = dir.file("fp_dataset.h5");
  RunMeta meta = test::sample_meta();
};

TEST_F(DatasetStore, FpRecordsAndFailuresRoundTrip) {
  {
    FpDatasetWriter w(path, meta, 6);
    for (int id : {0, 1, 2}) w.append(fp_record(id));
    w.append_failure({5, "out of memory"});
    EXPECT_EQ(read_fp_dataset(path).records.size(), 3u);  // readable in-process while the writer is open
    EXPECT_TRUE(w.contains(5));
    EXPECT_FALSE(w.contains(3));
  }
  const FpDataset d = read_fp_dataset(path);
  ASSERT_EQ(d.records.size(), 3u);
  for (int id : {0, 1, 2}) expect_same(d.records[static_cast<std::size_t>(id)], fp_record(id));
  ASSERT_EQ(d.failed.size(), 1u);
  EXPECT_EQ(d.failed[0].id, 5);
  EXPECT_EQ(d.failed[0].reason, "out of memory");
  EXPECT_EQ(d.meta.seed, 7);
  EXPECT_EQ(d.meta.space, meta.space);
  EXPECT_EQ(d.meta.config, meta.config);
  const RunFile f = RunFile::open_read(path);
  EXPECT_EQ(f.string_attr("schema"), "apq-actors/fp-dataset");
  EXPECT_EQ(f.int_attr("schema_version"), 1);
  EXPECT_EQ(f.string_attr("created_by"), "apq-actors 0.1.0");
  EXPECT_EQ(f.open_group("items").open_table("accuracy").string_attr("units"), "fraction");
  EXPECT_EQ(f.open_group("items").open_table("arch_code").columns(), 6);
}

TEST_F(DatasetStore, BatchedItemsAreWrittenTogetherBySyncOrTheDestructorInOrder) {
  const std::string qpath = dir.file("quant_dataset.h5");
  {
    FpDatasetWriter w(path, meta, 6);
    w.set_batch_seconds(3600);  // nothing is due within the test
    w.append(fp_record(0));     // nothing was written before: due, written at once
    for (int id : {1, 2, 3}) w.append(fp_record(id));
    EXPECT_EQ(read_fp_dataset(path).records.size(), 1u);  // 1-3 kept in memory
    EXPECT_TRUE(w.contains(3));
    EXPECT_THROW(w.append(fp_record(2)), std::invalid_argument);  // a kept id is taken
    w.sync();
    EXPECT_EQ(read_fp_dataset(path).records.size(), 4u);
    w.append(fp_record(4));
    QuantDatasetWriter q(qpath, meta, 4, 3);
    q.set_batch_seconds(3600);
    for (int id : {0, 1, 2}) q.append(quant_record(id));
    EXPECT_EQ(read_quant_dataset(qpath).records.size(), 1u);
  }  // the destructors write what is left
  const FpDataset d = read_fp_dataset(path);
  ASSERT_EQ(d.records.size(), 5u);
  for (int id = 0; id < 5; ++id) expect_same(d.records[static_cast<std::size_t>(id)], fp_record(id));
  const QuantDataset q = read_quant_dataset(qpath);
  ASSERT_EQ(q.records.size(), 3u);
  for (int id = 0; id < 3; ++id) {
    EXPECT_EQ(q.records[static_cast<std::size_t>(id)].policy_code, quant_record(id).policy_code);
    EXPECT_EQ(q.records[static_cast<std::size_t>(id)].group, quant_record(id).group);
    expect_same(q.records[static_cast<std::size_t>(id)].score, quant_record(id).score);
  }
}

TEST_F(DatasetStore, QuantRecordsRoundTripWithNaNAndGroups) {
  const std::string qpath = dir.file("quant_dataset.h5");
  {
    QuantDatasetWriter w(qpath, meta, 4, 3);
    for (int id : {0, 1, 2}) w.append(quant_record(id));
  }
  const QuantDataset d = read_quant_dataset(qpath);
  ASSERT_EQ(d.records.size(), 3u);
  for (int id : {0, 1, 2}) {
    const QuantRecord& got = d.records[static_cast<std::size_t>(id)];
    const QuantRecord want = quant_record(id);
    EXPECT_EQ(got.id, want.id);
    EXPECT_EQ(got.arch, want.arch);
    EXPECT_EQ(got.policy, want.policy);
    EXPECT_EQ(got.arch_code, want.arch_code);
    EXPECT_EQ(got.policy_code, want.policy_code);
    EXPECT_EQ(got.kind, want.kind);
    EXPECT_EQ(got.group, want.group);
    expect_same(got.score, want.score);
    EXPECT_EQ(std::isnan(got.fp_accuracy), id == 1);
    EXPECT_EQ(got.bitops, want.bitops);
    EXPECT_EQ(got.latency_ms, want.latency_ms);
    EXPECT_EQ(got.energy_mj, want.energy_mj);
  }
  EXPECT_NE(error_of([&] { read_fp_dataset(qpath); }).find("is an apq-actors quant-dataset file, not fp-dataset"),
            std::string::npos);
}

TEST_F(DatasetStore, ReopenKeepsEarlierRowsAndIdsAndRefusesDuplicates) {
  { FpDatasetWriter w(path, meta, 6); w.append(fp_record(0)); w.append(fp_record(1)); w.append_failure({9, "x"}); }
  FpDatasetWriter w(path, meta, 6);
  EXPECT_EQ(w.item_ids(), (std::set<std::int64_t>{0, 1}));
  EXPECT_EQ(w.failed_ids(), (std::set<std::int64_t>{9}));
  EXPECT_EQ(w.repaired_rows(), 0);
  EXPECT_EQ(error_of([&] { w.append(fp_record(1)); }), path + ": item 1 is already stored");
  EXPECT_EQ(error_of([&] { w.append(fp_record(9)); }), path + ": item 9 is already recorded as failed");
  FpRecord bad = fp_record(4);
  bad.arch_code.pop_back();
  EXPECT_EQ(error_of([&] { w.append(bad); }), path + ": arch_code has 5 values, the file stores 6");
  w.append(fp_record(3));
  const FpDataset d = read_fp_dataset(path);
  ASSERT_EQ(d.records.size(), 3u);
  expect_same(d.records[0], fp_record(0));
  expect_same(d.records[1], fp_record(1));
  expect_same(d.records[2], fp_record(3));
  EXPECT_NE(error_of([&] { FpDatasetWriter(path, meta, 7); }).find("has width 6, expected 7"), std::string::npos);
}

TEST_F(DatasetStore, TornLastItemIsRepairedOnReopenAndHiddenFromReaders) {
  { FpDatasetWriter w(path, meta, 6); for (int id : {0, 1, 2}) w.append(fp_record(id)); w.append_failure({8, "y"}); }
  {  // a crash in the middle of item 3: only two of its five columns were appended
    h5::File f = h5::File::open_rw(path);
    f.open_table("items/id").append<std::int64_t>({3});
    f.open_table("items/arch").append_strings({"torn"});
  }
  EXPECT_EQ(read_fp_dataset(path).records.size(), 3u);  // readers take the common row count
  FpDatasetWriter w(path, meta, 6);
  EXPECT_EQ(w.repaired_rows(), 2);
  EXPECT_EQ(w.item_ids(), (std::set<std::int64_t>{0, 1, 2}));
  {
    const RunFile f = RunFile::open_read(path);
    for (const char* column : {"id", "arch", "arch_code", "accuracy", "seconds"})
      EXPECT_EQ(f.open_group("items").open_table(column).rows(), 3) << column;
    EXPECT_EQ(f.open_group("failed").open_table("id").rows(), 1);
  }
  w.append(fp_record(3));
  const FpDataset d = read_fp_dataset(path);
  ASSERT_EQ(d.records.size(), 4u);
  expect_same(d.records[3], fp_record(3));
  EXPECT_EQ(d.failed.size(), 1u);
}

TEST_F(DatasetStore, FileOfAnotherRunOrKindIsRejectedAndLeftByteIdentical) {
  { FpDatasetWriter w(path, meta, 6); w.append(fp_record(0)); }
  const std::string before = test::read_text(path);
  RunMeta other_seed = meta;
  other_seed.seed = 8;
  EXPECT_EQ(error_of([&] { FpDatasetWriter(path, other_seed, 6); }),
            path + ": written for another run (seed 7 in the file, 8 in this run); refusing to touch it");
  RunMeta other_space = meta;
  other_space.space = "stages=1";
  EXPECT_NE(error_of([&] { FpDatasetWriter(path, other_space, 6); }).find("written for another run (search space"),
            std::string::npos);
  EXPECT_EQ(error_of([&] { QuantDatasetWriter(path, meta, 6, 3); }),
            path + ": is an apq-actors fp-dataset file, not quant-dataset; refusing to touch it");
  EXPECT_EQ(test::read_text(path), before);

  const std::string foreign = dir.file("foreign.h5");
  test::write_foreign_file(foreign);
  const std::string foreign_before = test::read_text(foreign);
  EXPECT_EQ(error_of([&] { FpDatasetWriter(foreign, meta, 6); }),
            foreign + ": not an apq-actors file (schema attribute missing)");
  EXPECT_EQ(test::read_text(foreign), foreign_before);
  EXPECT_EQ(error_of([&] { read_fp_dataset(foreign); }), foreign + ": not an apq-actors file (schema attribute missing)");
}

// Appending keeps one HDF5 session open: each new session would start a new 4 KiB heap for the
// variable-length strings, so opening per item made files grow ~4 KiB per string per item.
TEST_F(DatasetStore, AppendingManyItemsKeepsTheFileCompact) {
  {
    FpDatasetWriter w(path, meta, 6);
    for (int id = 0; id < 300; ++id) w.append(fp_record(id));
  }
  EXPECT_LT(std::filesystem::file_size(path), 150u * 1024) << "bytes for 300 items";
  EXPECT_EQ(read_fp_dataset(path).records.size(), 300u);
}

// A writer killed with SIGKILL at an arbitrary moment: the file reopens, holds a prefix of the
// items (each complete and intact), and appending continues after it.
TEST_F(DatasetStore, SigkilledWriterLosesAtMostTheItemInFlight) {
  { FpDatasetWriter w(path, meta, 6); }
  for (int trial = 0; trial < 3; ++trial) {
    const pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      FpDatasetWriter w(path, meta, 6);
      for (std::int64_t id = static_cast<std::int64_t>(w.item_ids().size());; ++id) w.append(fp_record(id));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + 70 * trial));
    kill(child, SIGKILL);
    int status = 0;
    waitpid(child, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status));
    FpDatasetWriter w(path, meta, 6);
    const FpDataset d = read_fp_dataset(path);
    ASSERT_EQ(d.records.size(), w.item_ids().size());
    ASSERT_GT(d.records.size(), 0u);
    for (std::size_t i = 0; i < d.records.size(); ++i) expect_same(d.records[i], fp_record(static_cast<std::int64_t>(i)));
  }
}

// The writer must not be blocked by a reader holding the file open (HDF5 file locks are off),
// and h5py must see complete items.
TEST_F(DatasetStore, H5pyReadsWhileTheWriterAppends) {
  if (!test::have_h5py()) GTEST_SKIP() << "/usr/bin/python3 has no h5py";
  FpDatasetWriter w(path, meta, 6);
  w.append(fp_record(0));
  const std::string flag = dir.file("go");
  const std::string script =
      "import h5py, os, time\n"
      "f = h5py.File('" + path + "', 'r')\n"
      "print(len(f['items/id']), flush=True)\n"
      "t = time.time()\n"
      "while not os.path.exists('" + flag + "') and time.time() - t < 20: time.sleep(0.01)\n"
      "f.close()\n"  // HDF5 shares one open file per process: reopen to see new rows
      "g = h5py.File('" + path + "', 'r')\n"
      "print(len(g['items/id']), g['items/arch'][1].decode(), g['items/accuracy'].attrs['units'])\n";
  std::FILE* py = popen(("/usr/bin/python3 -c \"" + script + "\"").c_str(), "r");
  ASSERT_NE(py, nullptr);
  char line[256] = {0};
  ASSERT_NE(std::fgets(line, sizeof line, py), nullptr);  // h5py has the file open now
  EXPECT_STREQ(line, "1\n");
  const std::string error = error_of([&] {
    w.append(fp_record(1));
    w.append(fp_record(2));
  });
  { std::FILE* f = std::fopen(flag.c_str(), "w"); std::fclose(f); }  // always release the reader
  EXPECT_EQ(error, "<no exception>");
  std::string rest;
  while (std::fgets(line, sizeof line, py)) rest += line;
  EXPECT_EQ(pclose(py), 0);
  EXPECT_EQ(rest, "3 k3m1 | k5m64 fraction\n");
  std::string dump;
  EXPECT_EQ(test::run("h5dump -d /items/id " + path, &dump), 0);
  EXPECT_NE(dump.find("(0): 0, 1, 2"), std::string::npos) << dump;
}

}  // namespace
}  // namespace apq
