#include "app/options.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace apq {
namespace {

ParsedCommandLine parse(std::vector<std::string> args) {
  args.insert(args.begin(), "apq-actors");
  std::vector<const char*> argv;
  for (auto& a : args) argv.push_back(a.c_str());
  std::string printed;
  return parse_command_line(static_cast<int>(argv.size()), argv.data(), printed);
}

std::string write_config(const std::string& name, const std::string& text) {
  const auto path = std::filesystem::temp_directory_path() / name;
  std::ofstream(path) << text;
  return path.string();
}

std::string error_of(std::vector<std::string> args) {
  try {
    parse(std::move(args));
  } catch (const UsageError& e) {
    return e.what();
  }
  return "";
}

TEST(Options, EmbeddedDefaultIsQuickConfig) {
  const RunOptions o = parse({}).options;
  EXPECT_NE(o.config_name.find("quick.ini"), std::string::npos);
  EXPECT_EQ(o.stage, "all");
  EXPECT_EQ(o.run_dir, "runs/quick");
  EXPECT_EQ(o.data.subset_val, 0);  // the quick run finalizes on every validation image
  EXPECT_EQ(o.space.stages.size(), 4u);
}

TEST(Options, HelpAndVersionExitWithText) {
  std::string printed;
  const char* help[] = {"apq-actors", "--help"};
  EXPECT_TRUE(parse_command_line(2, help, printed).exit_now);
  EXPECT_NE(printed.find("--run-dir"), std::string::npos);
  EXPECT_NE(printed.find("--space.kernels"), std::string::npos);
  const char* version[] = {"apq-actors", "--version"};
  EXPECT_TRUE(parse_command_line(2, version, printed).exit_now);
  EXPECT_NE(printed.find(APQ_VERSION), std::string::npos);
}

TEST(Options, CommandLineWinsOverConfigFile) {
  const auto path = write_config("apq_cl_wins.ini", "seed = 5\nrun-dir = from-file\n[data]\nsubset-train = 77\n");
  const RunOptions o = parse({"--config", path, "--seed", "9", "--data.subset-train", "12"}).options;
  EXPECT_EQ(o.seed, 9u);
  EXPECT_EQ(o.run_dir, "from-file");
  EXPECT_EQ(o.data.subset_train, 12);
  EXPECT_EQ(o.config_name, path);
}

TEST(Options, SpaceListsAreParsed) {
  const RunOptions o = parse({"--space.widths", "8,16", "--space.strides", "2,1", "--space.kernels", "3,5", "--space.bits", "2,8"}).options;
  ASSERT_EQ(o.space.stages.size(), 2u);
  EXPECT_EQ(o.space.stages[1].width, 16);
  EXPECT_EQ(o.space.stages[1].stride, 1);
  EXPECT_EQ(o.space.kernels, (std::vector<int>{3, 5}));
  EXPECT_EQ(o.space.bits, (std::vector<int>{2, 8}));
}

TEST(Options, ErrorsNameTheProblem) {
  EXPECT_NE(error_of({"--no-such-option"}).find("no-such-option"), std::string::npos);
  EXPECT_NE(error_of({"--seed", "abc"}).find("seed"), std::string::npos);
  EXPECT_NE(error_of({"--config", "/nonexistent/x.ini"}).find("config file not found: /nonexistent/x.ini"), std::string::npos);
  EXPECT_NE(error_of({"--threads", "-1"}).find("threads"), std::string::npos);
  EXPECT_NE(error_of({"--space.kernels", "3,x"}).find("space.kernels"), std::string::npos);
  EXPECT_NE(error_of({"--space.kernels", "4"}).find("even"), std::string::npos);
  EXPECT_NE(error_of({"--space.bits", "4,9"}).find("outside 2..8"), std::string::npos);
  EXPECT_NE(error_of({"--space.widths", "8,16", "--space.strides", "2"}).find("space.strides"), std::string::npos);
  EXPECT_NE(error_of({"--data.format", "png"}).find("data.format"), std::string::npos);
  // What the search itself would refuse is refused here, before any work (and so by --dry-run).
  EXPECT_EQ(error_of({"--search.population", "1"}), "search.population must be at least 2");
  EXPECT_EQ(error_of({"--search.mutants", "0", "--search.crossovers", "0"}),
            "search.mutants and crossovers must be >= 0 and give at least one child");
  EXPECT_EQ(error_of({"--search.parents-ratio", "0"}), "search.parents-ratio must be in (0, 1]");
  EXPECT_EQ(error_of({"--search.mutation-prob", "1.5"}), "search.mutation-prob and depth-mutation-prob must be in [0, 1]");
  EXPECT_EQ(error_of({"--search.uncertainty-penalty", "-1"}), "search.uncertainty-penalty must be >= 0");
  EXPECT_EQ(error_of({"--search.rounds", "0"}), "search.rounds must be in [1, 100]");
  EXPECT_EQ(error_of({"--predictor.members", "0"}), "predictor.members must be in [1, 64]");
  EXPECT_EQ(error_of({"--predictor.cv-folds", "1"}), "predictor.cv-folds must be 0 (off) or in [2, 20]");
  EXPECT_NE(error_of({"--predictor.label-target", "accuracy"}).find("auto, top1, loss or blend"), std::string::npos);
  EXPECT_EQ(error_of({"--collect-fp.precision", "fp16"}), "collect-fp.precision must be fp32 or bf16, not 'fp16'");
}

TEST(Options, UnknownKeyInConfigFileIsRejected) {
  const auto path = write_config("apq_unknown_key.ini", "[data]\nsubset-trian = 5\n");
  const std::string error = error_of({"--config", path});
  EXPECT_NE(error.find("subset-trian"), std::string::npos);
  EXPECT_NE(error.find(path), std::string::npos);
}

TEST(Options, BadValueInConfigFileIsRejected) {
  const auto path = write_config("apq_bad_value.ini", "threads = many\n");
  EXPECT_NE(error_of({"--config", path}).find("threads"), std::string::npos);
}

// One island per rank (search.islands = 0) is recorded as the rank count: results made on 2 ranks
// then name another scenario, and another file config, than those made on 4.
TEST(Options, OneIslandPerRankIsRecordedAsTheRankCount) {
  RunOptions o = parse({"--search.islands", "0", "--search.latency-ms", "0.1"}).options;
  resolve_rank_dependent_keys(o, 4);
  EXPECT_EQ(o.pipeline.search.islands, 4);
  EXPECT_NE(o.resolved_config.find("\nislands = 4\n"), std::string::npos);
  EXPECT_EQ(o.resolved_config.find("islands = 0"), std::string::npos);
  EXPECT_NE(o.resolved_config.find("latency-ms = 0.1"), std::string::npos);
  RunOptions fixed = parse({"--search.islands", "3"}).options;
  const std::string before = fixed.resolved_config;
  resolve_rank_dependent_keys(fixed, 4);
  EXPECT_EQ(fixed.pipeline.search.islands, 3);
  EXPECT_EQ(fixed.resolved_config, before);
}

}  // namespace
}  // namespace apq

namespace apq {
namespace {

TEST(Options, ResolvedConfigListsEveryKeyInEffect) {
  const RunOptions o = parse({"--seed", "42", "--space.kernels", "3,5"}).options;
  EXPECT_NE(o.resolved_config.find("seed = 42\n"), std::string::npos);
  EXPECT_NE(o.resolved_config.find("[space]\n"), std::string::npos);
  EXPECT_NE(o.resolved_config.find("kernels = 3,5\n"), std::string::npos);
  EXPECT_NE(o.resolved_config.find("[data]\n"), std::string::npos);
  // One spelling per value: what run files are compared by (analysis/config_inputs.cpp).
  EXPECT_NE(parse({"--predictor.weight-decay", "1e-4"}).options.resolved_config.find("weight-decay = 0.0001\n"),
            std::string::npos);
}

}  // namespace
}  // namespace apq

namespace apq {
namespace {

TEST(PipelineOptions, KeysReachTheKernelConfigs) {
  const RunOptions o = parse({"--train.phase-steps", "10,0,5,5", "--search.latency-ms", "0.2", "--search.topology", "random-2",
                              "--collect-quant.finetune-steps", "7", "--predictor.hidden", "64,32",
                              "--predictor.weight-decay", "0.03"})
                           .options;
  EXPECT_EQ(o.pipeline.train.phase_steps, (std::vector<std::int64_t>{10, 0, 5, 5}));
  EXPECT_EQ(o.pipeline.train.seed, o.seed);
  EXPECT_DOUBLE_EQ(o.pipeline.search.evolution.budget.latency_ms, 0.2);
  EXPECT_EQ(o.pipeline.search.topology, "random-2");
  EXPECT_EQ(o.pipeline.collect_quant.job.finetune_steps, 7);
  EXPECT_EQ(o.pipeline.predictor.hidden, (std::vector<int>{64, 32}));
  EXPECT_DOUBLE_EQ(o.pipeline.predictor.fp.weight_decay, 0.03);  // one key for every predictor
  EXPECT_DOUBLE_EQ(o.pipeline.predictor.quant.weight_decay, 0.03);
}

TEST(PipelineOptions, BadValuesNameTheKey) {
  EXPECT_NE(error_of({"--train.phase-steps", "1,2"}).find("train.phase-steps"), std::string::npos);
  EXPECT_NE(error_of({"--train.batch-size", "30", "--train.micro-batches", "4"}).find("micro-batches"), std::string::npos);
  EXPECT_NE(error_of({"--search.topology", "star"}).find("search.topology"), std::string::npos);
  EXPECT_NE(error_of({"--search.bitops", "-1"}).find("budgets"), std::string::npos);
  EXPECT_NE(error_of({"--collect-fp.samples", "0"}).find("collect-fp.samples"), std::string::npos);
  EXPECT_NE(error_of({"--predictor.holdout", "1.5"}).find("predictor.holdout"), std::string::npos);
  EXPECT_NE(error_of({"--predictor.weight-decay", "-0.1"}).find("predictor.weight-decay"), std::string::npos);
  EXPECT_NE(error_of({"--predictor.weight-decay", "nan"}).find("predictor.weight-decay"), std::string::npos);
}

TEST(PipelineOptions, SeedsOfStagesFollowTheRunSeed) {
  const RunOptions a = parse({"--seed", "1"}).options;
  const RunOptions b = parse({"--seed", "2"}).options;
  EXPECT_NE(a.pipeline.search.evolution.seed, b.pipeline.search.evolution.seed);
  EXPECT_EQ(a.pipeline.search.evolution.seed, parse({"--seed", "1"}).options.pipeline.search.evolution.seed);
}

}  // namespace
}  // namespace apq
