// Joint search against the baselines in measured numbers: per scenario (one report.h5's rows), the
// joint entry validation picks and joint minus each baseline with its standard error; across runs
// of different seeds, the spread of those differences (apq-h5 seeds).
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "io/report_store.hpp"

namespace apq {

struct MeanSpread {
  double mean = 0.0, sd = 0.0;  // sd: sample standard deviation (0 for fewer than 2 values)
  double min = 0.0, max = 0.0;
  int n = 0;
};
MeanSpread mean_spread(const std::vector<double>& values);

// "latency ≤ 0.07 ms", "energy ≤ ... mJ", ... or "no budget".
std::string budget_text(const ReportRow& row);

// The joint method's entry that validation picks (the best validation top-1 of its top K); null
// when the scenario has no joint entry.
const ReportRow* chosen_joint(const std::vector<const ReportRow*>& scenario_rows);

struct JointDifference {
  std::string method;             // the baseline
  double points = 0.0, se = 0.0;  // joint minus baseline on validation, percentage points
};
// Joint minus every other method of one scenario, in row order (empty without a joint entry).
std::vector<JointDifference> joint_differences(const std::vector<const ReportRow*>& scenario_rows);

// One figure over runs of different seeds.
struct SeedSpreadRow {
  std::string scenario;  // "<mode>: <budget text>" or "transfer curve: <n> pairs", the same in every run
  std::string figure;    // "joint val %", "joint - <baseline>" (points) or "transfer - scratch tau"
  bool difference = true;  // a difference (shown signed), not a level
  std::map<std::int64_t, double> by_seed;  // run seed -> value
  MeanSpread spread;
};

// Per budget and search mode present in at least two runs, the joint's validation top-1 and joint
// minus each baseline; per count of quantized training pairs of the transfer curve, transfer minus
// scratch held-out tau (mean over the curve's seeds); each per run seed, with mean and spread.
// Throws std::invalid_argument when two runs have the same seed.
std::vector<SeedSpreadRow> seed_spread(const std::vector<ReportFile>& runs);

}  // namespace apq
