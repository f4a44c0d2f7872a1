// The stage table (pipeline/stage_table.hpp): its order and shape, and --stage checked against it.
#include "pipeline/stage_table.hpp"

#include <gtest/gtest.h>

#include <set>

#include "app/options.hpp"

namespace apq {
namespace {

TEST(StageTable, ThePipelineInOrderWithEveryRankStagesFirst) {
  std::vector<std::string> names;
  for (const Stage& s : pipeline_stages()) names.push_back(s.name);
  EXPECT_EQ(names, (std::vector<std::string>{"train", "collect-fp", "collect-quant", "predictor", "search", "finalize",
                                             "report"}));
  // The driver breaks out of the table on every rank but 0 at the first rank-0 stage.
  bool rank0_seen = false;
  for (const Stage& s : pipeline_stages()) {
    EXPECT_FALSE(rank0_seen && s.every_rank) << s.name << " runs on every rank after a rank-0 stage";
    rank0_seen = rank0_seen || !s.every_rank;
    EXPECT_NE(s.run, nullptr) << s.name;
    EXPECT_NE(s.estimate, nullptr) << s.name;
  }
  std::set<std::string> in_scenario;
  for (const Stage& s : pipeline_stages())
    if (s.in_scenario) in_scenario.insert(s.name);
  EXPECT_EQ(in_scenario, (std::set<std::string>{"search", "finalize"}));
}

TEST(StageTable, StageNamesAreCheckedAgainstTheTable) {
  EXPECT_NO_THROW(check_stage_name("all"));
  for (const Stage& s : pipeline_stages()) EXPECT_NO_THROW(check_stage_name(s.name));
  try {
    check_stage_name("bogus");
    FAIL() << "bogus was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              "unknown stage 'bogus' (choose from all, train, collect-fp, collect-quant, predictor, search, finalize, report)");
  }
}

}  // namespace
}  // namespace apq
