// The run report as a reader sees it: report.md in the run directory with three SVG charts beside
// it (report-transfer.svg, report-methods.svg, report-predicted.svg), from report.h5's contents.
// Every claim is stated with its spread or standard error, and plainly when it does not hold.
#pragma once
#include <string>

#include "io/report_store.hpp"

namespace apq {

// Writes the files into `run_dir`, each through a temporary file and a rename; returns report.md's path.
std::string write_report_markdown(const std::string& run_dir, const ReportFile& report);

}  // namespace apq
