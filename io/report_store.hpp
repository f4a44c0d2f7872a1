// report.h5: the run's experiment in numbers (layout in docs/HDF5.md), written whole by the report
// stage: the transfer curve (held-out quality of the quantization-aware predictor, transferred
// and from scratch, for growing numbers of quantized training pairs and several seeds, beside
// its labels' reliability) and every finalized network of every scenario, one row each.
#pragma once
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "io/run_meta.hpp"

namespace apq {

struct CurvePoint {
  std::string method;  // "transfer" or "scratch"
  std::int64_t pairs = 0;  // quantized training pairs
  std::int64_t seed = 0;   // 0..seeds-1: which subset and initialisation
  double kendall_tau = 0.0, rmse = 0.0, pearson = 0.0;  // on the held-out pairs
};

struct TransferCurve {
  std::vector<CurvePoint> points;
  std::int64_t heldout = 0;  // held-out pairs behind every figure
  // The quantized labels and how far they can be trusted (kernels/label_reliability.hpp).
  std::string label_target;
  std::int64_t label_items = 0;
  double label_split_half_tau = 0.0, label_reliability = 0.0, label_tau_ceiling = 0.0;
};

// One finalized network of one scenario (a row of its final.h5 /report, with the scenario).
struct ReportRow {
  std::string scenario;  // its folder name under scenarios/
  std::string search_mode;  // "budget" (searched for this budget) or "pareto" (answered from the run's front)
  double budget_latency_ms = 0.0, budget_energy_mj = 0.0, budget_bitops = 0.0;  // 0 = none
  std::string method;
  std::int32_t rank = 0;
  double predicted_accuracy = 0.0, predicted_stddev = 0.0, val_accuracy = 0.0, test_accuracy = 0.0;
  double latency_ms = 0.0, energy_mj = 0.0, bitops = 0.0;
  std::int64_t val_images = 0, test_images = 0;
  // Measured as the labels are (FinalEntry::label_recipe_val_accuracy); NaN when not measured.
  double label_recipe_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  // Prediction plus the measured gain of finalize's recipe (FinalEntry::forecast_val_accuracy).
  double forecast_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  double forecast_stddev = std::numeric_limits<double>::quiet_NaN();  // FinalEntry::forecast_stddev
};

struct ReportFile {
  RunMeta meta;
  TransferCurve curve;
  std::vector<ReportRow> rows;
};

// Writes the whole file through "<path>.tmp" and a rename.
void write_report(const std::string& path, const ReportFile& report);
ReportFile read_report(const std::string& path);

}  // namespace apq
