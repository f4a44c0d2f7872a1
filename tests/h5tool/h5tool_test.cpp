// apq-h5 run on files written through the stores, on a foreign HDF5 file and on a truncated one.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/h5tool/run_fixture.hpp"

namespace apq {
namespace {

struct Result {
  int status = -1;
  std::string out, err;
};

class H5Tool : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new test::ScratchDir;
    quant_ = new std::vector<QuantRecord>(test::write_fixture_run(dir_->path()));
  }
  static void TearDownTestSuite() {
    delete quant_;
    delete dir_;
  }
  static std::string run_dir() { return dir_->path(); }
  static std::string file(const std::string& name) { return dir_->file(name); }
  static const std::vector<QuantRecord>& quant() { return *quant_; }

  Result tool(const std::string& args) {
    const std::string out = scratch.file("out.txt"), err = scratch.file("err.txt");
    Result r;
    r.status = test::run(std::string(APQ_H5_BIN) + " " + args + " >" + out + " 2>" + err);
    r.out = test::read_text(out);
    r.err = test::read_text(err);
    return r;
  }

  test::ScratchDir scratch;

 private:
  static test::ScratchDir* dir_;
  static std::vector<QuantRecord>* quant_;
};
test::ScratchDir* H5Tool::dir_ = nullptr;
std::vector<QuantRecord>* H5Tool::quant_ = nullptr;

std::vector<std::vector<std::string>> table_rows(const std::string& text) {  // whitespace-separated
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream cells(line);
    std::vector<std::string> row;
    for (std::string c; cells >> c;) row.push_back(c);
    rows.push_back(row);
  }
  return rows;
}

// Brute force: ids of the records no other record beats on accuracy and cost.
std::set<std::string> non_dominated(const std::vector<QuantRecord>& rs, double QuantRecord::*cost) {
  std::set<std::string> ids;
  for (const auto& p : rs) {
    bool dominated = false;
    for (const auto& q : rs)
      dominated = dominated || (q.*cost <= p.*cost && q.score.top1 >= p.score.top1 &&
                                (q.*cost < p.*cost || q.score.top1 > p.score.top1));
    if (!dominated) ids.insert(std::to_string(p.id));
  }
  return ids;
}

TEST_F(H5Tool, SummaryDescribesEveryFile) {
  const Result r = tool("summary " + run_dir());
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.err, "");
  for (const char* expected :
       {"fp_dataset.h5: fp-dataset (schema version 1)", "quant_dataset.h5: quant-dataset (schema version 1)",
        "supernet.h5: supernet (schema version 1)", "predictors.h5: predictors (schema version 1)",
        "search.h5: search (schema version 1)", "final.h5: final (schema version 1)", "seed                  7",
        "items                 30", "items                 40 (20 random pairs, 20 policy-group items, 0 search-round items)",
        "failed                1", "step                  120", "phase                 expand (2 phases done)",
        "images seen           15360", "joint                 4 generations, 128 evaluated, best fitness 0.8300, 3 results",
        "budget                latency 2 ms, energy none, BitOps none", "models                3",
        "fp_accuracy           ", "(32 measured)"})
    EXPECT_NE(r.out.find(expected), std::string::npos) << expected << "\n" << r.out;
  EXPECT_EQ(r.out.find("different runs"), std::string::npos);
  // The accuracy range is the real one.
  double lo = 1, hi = 0;
  for (const auto& q : quant()) lo = std::min(lo, q.score.top1), hi = std::max(hi, q.score.top1);
  char range[64];
  std::snprintf(range, sizeof range, "%.4f / ", lo);
  EXPECT_NE(r.out.find(range), std::string::npos) << r.out;
}

TEST_F(H5Tool, ParetoRowsAreExactlyTheNonDominatedItems) {
  const std::vector<std::pair<std::string, double QuantRecord::*>> axes = {
      {"latency", &QuantRecord::latency_ms}, {"energy", &QuantRecord::energy_mj}, {"bitops", &QuantRecord::bitops}};
  for (const auto& [axis, member] : axes) {
    const Result r = tool("pareto " + run_dir() + " --x " + axis);
    ASSERT_EQ(r.status, 0) << r.err;
    const auto rows = table_rows(r.out);
    ASSERT_GE(rows.size(), 3u);
    EXPECT_EQ(rows[1][0], "id");
    std::set<std::string> ids;
    double last_cost = -1, last_acc = -1;
    for (std::size_t i = 2; i < rows.size(); ++i) {
      ids.insert(rows[i][0]);
      const QuantRecord& q = quant().at(std::stoul(rows[i][0]));
      EXPECT_GE(q.*member, last_cost);  // ordered by cost, accuracy rising along the front
      EXPECT_GT(q.score.top1, last_acc);
      last_cost = q.*member;
      last_acc = q.score.top1;
    }
    EXPECT_EQ(ids, non_dominated(quant(), member)) << axis << "\n" << r.out;
    EXPECT_NE(r.out.find(std::to_string(ids.size()) + " of 40 points"), std::string::npos) << r.out;
  }
  const Result search = tool("pareto " + file("search.h5") + " --x bitops");
  ASSERT_EQ(search.status, 0) << search.err;
  const auto rows = table_rows(search.out);  // (4e8, 0.83), (5e8, 0.84), (8e8, 0.86): all on the front
  ASSERT_EQ(rows.size(), 5u) << search.out;
  EXPECT_EQ(rows[2][0], "joint#2");
  EXPECT_EQ(rows[4][0], "joint#0");
  const Result fin = tool("pareto " + run_dir() + " --source final");
  ASSERT_EQ(fin.status, 0) << fin.err;
  EXPECT_NE(fin.out.find("test_accuracy (higher is better) vs latency_ms (lower is better), 3 of 3 points"),
            std::string::npos) << fin.out;
}

TEST_F(H5Tool, PredictorReportsHeldOutQualityTransferAgainstScratch) {
  const Result r = tool("predictor " + run_dir());
  ASSERT_EQ(r.status, 0) << r.err;
  const PredictorFile p = read_predictors(file("predictors.h5"), false);
  const auto rows = table_rows(r.out);
  ASSERT_EQ(rows.size(), 6u) << r.out;
  EXPECT_EQ(rows[1][0], "predictor");
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(rows[2 + i][0], p.predictors[i].first);
    EXPECT_EQ(rows[2 + i][2], "12");
    EXPECT_EQ(rows[2 + i][3], rows[2 + i][8]);  // stored RMSE = RMSE of the stored pairs
    EXPECT_NEAR(std::stod(rows[2 + i][3]), p.predictors[i].second.rmse, 1e-4);
    EXPECT_NEAR(std::stod(rows[2 + i][6]), p.predictors[i].second.kendall_tau_se, 1e-4);  // beside its tau
    EXPECT_EQ(rows[2 + i][9], "blend");  // the labels' ceiling beside the held-out figures
    EXPECT_EQ(rows[2 + i][11], "0.8889");
    EXPECT_EQ(rows[2 + i][12], "0.7000");
    EXPECT_EQ(rows[2 + i][13], "5");  // cross-validated beside the held-out split
    EXPECT_NEAR(std::stod(rows[2 + i][14]), p.predictors[i].second.cv_kendall_tau, 1e-4);
    EXPECT_EQ(rows[2 + i][15], "0.0200");
  }
  EXPECT_NE(r.out.find("transfer vs scratch: RMSE"), std::string::npos);
  EXPECT_NE(r.out.find("transfer is better"), std::string::npos) << r.out;
}

TEST_F(H5Tool, ExportWritesEveryColumnAndCompleteRows) {
  const std::string csv = scratch.file("items.csv");
  const Result r = tool("export " + run_dir() + " --table quant_dataset:items -o " + csv);
  ASSERT_EQ(r.status, 0) << r.err;
  std::ifstream in(csv);
  std::string header;
  std::getline(in, header);
  EXPECT_EQ(header,
            "id,arch,arch_code[0],arch_code[1],arch_code[2],arch_code[3],arch_code[4],arch_code[5],policy,"
            "policy_code[0],policy_code[1],policy_code[2],kind,group,accuracy,loss,images,even_images,even_correct,"
            "even_loss,odd_images,odd_correct,odd_loss,fp_accuracy,bitops,latency_ms,"
            "energy_mj,seconds");
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 40u);
  std::istringstream first(lines[5]);
  std::vector<std::string> cells;
  for (std::string c; std::getline(first, c, ',');) cells.push_back(c);
  ASSERT_EQ(cells.size(), 28u);
  EXPECT_EQ(cells[0], "5");
  EXPECT_EQ(cells[1], quant()[5].arch);
  EXPECT_EQ(std::stod(cells[14]), quant()[5].score.top1);  // exact: shortest round-trip text
  EXPECT_EQ(cells[23], "nan");                           // fp_accuracy not measured for id 5

  const Result history = tool("export " + file("search.h5") + " --table joint/history");
  ASSERT_EQ(history.status, 0) << history.err;
  EXPECT_EQ(history.out.substr(0, history.out.find('\n')), "generation,island,best_fitness,mean_fitness,evaluated");
  EXPECT_NE(history.out.find("\n3,1,0.8"), std::string::npos) << history.out;  // generation 3, island 1
  EXPECT_EQ(std::count(history.out.begin(), history.out.end(), '\n'), 9);

  const Result ambiguous = tool("export " + run_dir() + " --table items");
  EXPECT_EQ(ambiguous.status, 2);
  EXPECT_EQ(ambiguous.err, "apq-h5: error: " + run_dir() +
                               ": 'items' is in fp_dataset.h5 and quant_dataset.h5; name one as FILE:items\n");
}

// Two runs of seeds 1 and 2 at one budget: joint's own accuracy and joint minus staged per seed.
TEST_F(H5Tool, SeedsShowsJointAgainstEachBaselinePerRunSeed) {
  auto report = [&](const std::string& dir, std::int64_t seed, double joint, double staged,
                    const std::string& config = "[space]\nbits = 4,6,8\n[search]\nlatency-ms = 0.09\n") {
    ReportFile f;
    f.meta = test::sample_meta(seed);
    f.meta.config = "run-dir = " + dir + "\nseed = " + std::to_string(seed) + "\n" + config;
    for (const char* method : {"joint", "staged"}) {
      ReportRow r;
      r.scenario = "latency0.09ms-" + std::to_string(seed);
      r.search_mode = "budget";
      r.budget_latency_ms = 0.09;
      r.method = method;
      r.val_accuracy = std::string(method) == "joint" ? joint : staged;
      r.val_images = 10000;
      f.rows.push_back(r);
    }
    std::filesystem::create_directories(scratch.file(dir));
    write_report(scratch.file(dir + "/report.h5"), f);
  };
  report("a", 1, 0.8300, 0.8250);
  // Checkpoint and progress intervals and the search settings may differ between the runs.
  report("b", 2, 0.8400, 0.8410, "[space]\nbits = 4,6,8\n[train]\ncheckpoint-every = 7\n[search]\nlatency-ms = 0.2\n");
  const Result r = tool("seeds " + scratch.file("a") + " " + scratch.file("b/report.h5"));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("Seed spread over 2 runs (seeds 1 2)"), std::string::npos) << r.out;
  const auto rows = table_rows(r.out);
  bool joint = false, staged = false;
  for (const auto& row : rows) {
    const std::string line = [&] { std::string t; for (const auto& c : row) t += c + " "; return t; }();
    joint = joint || line.find("joint val % 2 83.50 0.71 83.00 84.00 1:83.00 2:84.00") != std::string::npos;
    staged = staged || line.find("joint - staged 2 +0.20 0.42 -0.10 +0.50 1:+0.50 2:-0.10") != std::string::npos;
  }
  EXPECT_TRUE(joint && staged) << r.out;
  report("c", 1, 0.8, 0.8);
  const Result same = tool("seeds " + scratch.file("a") + " " + scratch.file("c"));
  EXPECT_EQ(same.status, 2);
  EXPECT_EQ(same.err, "apq-h5: error: two runs have seed 1: a seed spread needs runs of different seeds\n");
  report("d", 3, 0.8, 0.8, "[space]\nbits = 4,8\n[search]\nlatency-ms = 0.09\n");
  const Result other = tool("seeds " + scratch.file("a") + " " + scratch.file("d"));
  EXPECT_EQ(other.status, 2);
  EXPECT_EQ(other.err, "apq-h5: error: " + scratch.file("a") + " and " + scratch.file("d") +
                           " differ in [space] bits (4,6,8 vs 4,8): a seed spread compares runs that differ only in the seed\n");
  const Result one = tool("seeds " + scratch.file("a"));
  EXPECT_EQ(one.status, 2);
  EXPECT_EQ(one.err, "apq-h5: error: seeds needs two or more run directories (or report.h5 files)\n");
  const Result two_paths = tool("summary " + scratch.file("a") + " " + scratch.file("b"));
  EXPECT_EQ(two_paths.err, "apq-h5: error: summary takes one PATH, not 2\n");
}

// The model export itself runs in the e2e layout test (a real final.h5); here its refusals.
TEST_F(H5Tool, ModelExportRefusesMixedRequestsAndNetworksOutsideTheStoredSpace) {
  const Result both = tool("export " + run_dir() + " --models --table items");
  EXPECT_EQ(both.status, 2);
  EXPECT_EQ(both.err, "apq-h5: error: export takes --table NAME or --models, not both\n");
  const Result elsewhere = tool("pareto " + run_dir() + " --models");
  EXPECT_EQ(elsewhere.status, 2);
  EXPECT_EQ(elsewhere.err, "apq-h5: error: pareto does not take --models\n");
  // The fixture's config names no space, so its networks do not parse in the default one.
  const std::string folder = scratch.file("models");
  const Result misfit = tool("export " + file("final.h5") + " --models -o " + folder);
  EXPECT_EQ(misfit.status, 2);
  EXPECT_EQ(misfit.err.rfind("apq-h5: error: ", 0), 0u) << misfit.err;
  EXPECT_EQ(std::count(misfit.err.begin(), misfit.err.end(), '\n'), 1) << misfit.err;
  std::size_t written = 0;
  if (std::filesystem::exists(folder))
    for (const auto& f : std::filesystem::directory_iterator(folder)) written += f.path().extension() == ".pt";
  EXPECT_EQ(written, 0u);
}

TEST_F(H5Tool, PlotsAreWellFormedSvgWithTheFrontAndTheDiagonal) {
  const std::string svg = scratch.file("pareto.svg");
  const Result r = tool("plot " + run_dir() + " -o " + svg + " --x energy");
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string text = test::read_text(svg);
  EXPECT_EQ(text.rfind("<svg", 0), 0u);
  EXPECT_NE(text.find("<polyline"), std::string::npos);
  EXPECT_NE(text.find("energy (mJ)"), std::string::npos);
  EXPECT_NE(text.find("Pareto front ("), std::string::npos);
  std::size_t circles = 0;
  for (std::size_t at = 0; (at = text.find("<circle", at)) != std::string::npos; ++at) ++circles;
  const std::size_t front = non_dominated(quant(), &QuantRecord::energy_mj).size();
  EXPECT_EQ(circles, 40 + front + 2);  // points, front markers, two legend markers
  EXPECT_EQ(text.find("search budget"), std::string::npos);  // the fixture's budget is on latency only
  const std::string latency = scratch.file("latency.svg");
  ASSERT_EQ(tool("plot " + run_dir() + " -o " + latency).status, 0);
  EXPECT_NE(test::read_text(latency).find("search budget 2 ms"), std::string::npos);
  const std::string pred = scratch.file("pred.svg");
  const Result p = tool("plot " + file("predictors.h5") + " --kind predictor -o " + pred);
  ASSERT_EQ(p.status, 0) << p.err;
  const std::string ptext = test::read_text(pred);
  EXPECT_NE(ptext.find("y = x"), std::string::npos);
  EXPECT_NE(ptext.find("quant_scratch: RMSE"), std::string::npos);
  if (test::have_h5py()) {  // any XML parser will do; python's is at hand
    EXPECT_EQ(test::run("/usr/bin/python3 -c \"import sys, xml.etree.ElementTree as E; "
                        "[E.parse(f) for f in sys.argv[1:]]\" " + svg + " " + pred),
              0);
  }
}

TEST_F(H5Tool, AFileBeingWrittenReadsAsItsCompleteItems) {
  const std::string copy = scratch.file("quant_dataset.h5");
  std::filesystem::copy_file(file("quant_dataset.h5"), copy);
  {  // the writer is in the middle of item 40
    h5::File f = h5::File::open_rw(copy);
    f.open_table("items/id").append<std::int64_t>({40});
    f.open_table("items/arch").append_strings({"k3m32 | k3m32"});
  }
  const Result s = tool("summary " + copy);
  ASSERT_EQ(s.status, 0) << s.err;
  {  // a file of another run next to it is pointed out
    FpDatasetWriter other(scratch.file("fp_dataset.h5"), test::sample_meta(8), 6);
  }
  const Result mixed = tool("summary " + scratch.path());
  EXPECT_NE(mixed.out.find("warning: these files belong to 2 different runs:"), std::string::npos) << mixed.out;
  EXPECT_NE(s.out.find("items                 40 "), std::string::npos) << s.out;
  const Result e = tool("export " + copy + " --table items");
  ASSERT_EQ(e.status, 0) << e.err;
  EXPECT_EQ(std::count(e.out.begin(), e.out.end(), '\n'), 41);
}

// apq-h5 while another process keeps appending: every read succeeds and sees whole items.
TEST_F(H5Tool, ReadsARunThatAnotherProcessIsWriting) {
  const std::string path = scratch.file("quant_dataset.h5");
  const RunMeta meta = test::sample_meta();
  { QuantDatasetWriter w(path, meta, 6, 3); }
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    test::Sequence s(3);
    QuantDatasetWriter w(path, meta, 6, 3);
    for (std::int64_t id = 0; id < 100000; ++id) {
      w.append(test::fixture_quant_record(id, s));
      std::this_thread::sleep_for(std::chrono::microseconds(500));
    }
    _exit(0);
  }
  std::int64_t last = -1;
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(60));
    const Result e = tool("export " + path + " --table items");
    ASSERT_EQ(e.status, 0) << e.err;
    std::int64_t rows = std::count(e.out.begin(), e.out.end(), '\n') - 1;
    EXPECT_GE(rows, last);
    last = rows;
    const auto end = e.out.rfind('\n', e.out.size() - 2);
    if (rows > 0) {  // the last row is the last complete item
      EXPECT_EQ(e.out.substr(end + 1, e.out.find(',', end) - end - 1), std::to_string(rows - 1));
    }
    const Result p = tool("pareto " + path);
    EXPECT_EQ(p.status, 0) << p.err;
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  EXPECT_GT(last, 0);
}

TEST_F(H5Tool, ForeignTruncatedAndMissingFilesGiveOneLineAndExitCode2) {
  const std::string foreign = scratch.file("foreign.h5");
  test::write_foreign_file(foreign);
  for (const std::string command : {"summary", "pareto", "predictor", "export --table x", "plot -o x.svg"}) {
    const Result r = tool(command.substr(0, command.find(' ')) + " " + foreign +
                          (command.find(' ') == std::string::npos ? "" : command.substr(command.find(' '))));
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_EQ(r.err, "apq-h5: error: " + foreign + ": not an apq-actors file (schema attribute missing)\n") << command;
    EXPECT_EQ(r.out, "") << command;
  }
  const std::string whole = test::read_text(file("quant_dataset.h5"));
  const std::string truncated = scratch.file("truncated.h5");
  {
    std::ofstream out(truncated, std::ios::binary);
    out.write(whole.data(), static_cast<std::streamsize>(whole.size() / 2));
  }
  for (const std::string command : {"summary", "pareto", "export --table items"}) {
    const Result r = tool(command.substr(0, command.find(' ')) + " " + truncated +
                          (command.find(' ') == std::string::npos ? "" : command.substr(command.find(' '))));
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_EQ(r.err.rfind("apq-h5: error: " + truncated + ": ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  // A corrupt global heap (the variable-length strings): HDF5 1.10 crashes in H5HG_read on a
  // huge object size; apq-h5 must still end with one line and exit code 2.
  std::string corrupt = whole;
  const std::size_t heap = corrupt.find("GCOL");
  ASSERT_NE(heap, std::string::npos);
  corrupt.replace(heap + 24, 8, std::string(8, '\x7f'));  // size of the heap's first object
  const std::string corrupt_path = scratch.file("corrupt.h5");
  {
    std::ofstream out(corrupt_path, std::ios::binary);
    out.write(corrupt.data(), static_cast<std::streamsize>(corrupt.size()));
  }
  for (const std::string command : {"summary", "pareto", "export --table items"}) {
    const Result r = tool(command.substr(0, command.find(' ')) + " " + corrupt_path +
                          (command.find(' ') == std::string::npos ? "" : command.substr(command.find(' '))));
    EXPECT_EQ(r.status, 2) << command;
    EXPECT_EQ(r.err.rfind("apq-h5: error: " + corrupt_path + ": ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  }
  const Result missing = tool("summary " + scratch.file("nothing-here"));
  EXPECT_EQ(missing.status, 2);
  EXPECT_EQ(missing.err, "apq-h5: error: " + scratch.file("nothing-here") + ": no such file or directory\n");
  const Result bad = tool("pareto " + run_dir() + " --x speed");
  EXPECT_EQ(bad.status, 2);
  EXPECT_EQ(bad.err, "apq-h5: error: --x must be latency, energy or bitops, not 'speed'\n");
}

}  // namespace
}  // namespace apq
