// The apq-h5 subcommands. Each reads run files read-only and writes its report to `out`;
// errors are exceptions with one-line messages (apq_h5_main.cpp prints them, exit code 2).
#pragma once
#include <ostream>
#include <string>
#include <vector>

#include "tools/h5tool_points.hpp"

namespace apq::h5tool {

// Returns the exit code: 0, or 2 when some file of a directory could not be read.
int summary(const std::string& path, std::ostream& out);
void pareto(const std::string& path, const std::string& source, CostAxis axis, std::ostream& out);
void predictor_quality(const std::string& path, std::ostream& out);
// table: a group of columns ("items", "failed", "report", "joint/results", "fp/heldout") or a
// 2-D dataset ("joint/history"); with a directory PATH, "FILE:TABLE" picks the file.
void export_csv(const std::string& path, const std::string& table, std::ostream& out);
// The TorchScript file of every network of the final.h5 under path, into out_dir (empty: the
// models folder beside that final.h5): runs the apq-h5-models program beside this one in this
// process's place (tools/apq_h5_models_main.cpp); returns only on failure to start it.
[[noreturn]] void exec_export_models(const std::string& path, const std::string& out_dir);
// Joint search against its baselines over runs of different seeds (their report.h5 files).
void seeds(const std::vector<std::string>& paths, std::ostream& out);
// kind: "pareto" (accuracy vs cost with the front) or "predictor" (predicted vs measured).
void plot(const std::string& path, const std::string& kind, const std::string& source, CostAxis axis,
          const std::string& svg_path);

}  // namespace apq::h5tool
