// apq-h5 seeds: the seed spread of joint search against its baselines over runs that differ in the
// run seed (each with its own supernet, datasets and predictor), from their report.h5 files.
#include <stdexcept>

#include "analysis/config_inputs.hpp"
#include "analysis/method_comparison.hpp"
#include "io/run_meta.hpp"
#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {

namespace {

std::string signed_number(double v) { return (v >= 0 ? "+" : "") + fixed(v, 2); }

// The runs of a seed spread differ only in the run seed: each config's inputs upstream of the
// search (its data, space, training, collection, predictor, cost table and finalize settings,
// without checkpoint and progress intervals) must agree. Budgets and search settings may differ:
// each scenario is compared with its own kind.
void check_same_experiment(const std::string& a_path, const ReportFile& a, const std::string& b_path, const ReportFile& b) {
  FileInputs upstream = predictor_inputs();
  upstream.sections.insert(upstream.sections.end(), {"cost", "finalize"});
  upstream.with_seed = false;
  const auto d = config_difference(inputs_of(a.meta.config, upstream), inputs_of(b.meta.config, upstream));
  if (d)
    throw std::invalid_argument(a_path + " and " + b_path + " differ in " + d->key + " (" + d->first + " vs " +
                                d->second + "): a seed spread compares runs that differ only in the seed");
}

}  // namespace

void seeds(const std::vector<std::string>& paths, std::ostream& out) {
  if (paths.size() < 2) throw std::invalid_argument("seeds needs two or more run directories (or report.h5 files)");
  std::vector<ReportFile> runs;
  for (const auto& path : paths) {
    const std::string file = find_run_file(path, run_kind::report);
    ReportFile report;
    with_retries(file, [&] { report = read_report(file); });
    if (!runs.empty()) check_same_experiment(paths.front(), runs.front(), path, report);
    runs.push_back(std::move(report));
  }
  const auto rows = seed_spread(runs);
  out << "Seed spread over " << runs.size() << " runs (seeds";
  for (const auto& r : runs) out << " " << r.meta.seed;
  out << "): validation top-1 of the joint winner (%) and joint minus each baseline (points) at each budget;\n"
      << "transfer minus scratch held-out Kendall tau of the quantization-aware predictor; sd across seeds\n";
  if (rows.empty()) {
    out << "nothing was finalized or reported in two or more of these runs\n";
    return;
  }
  std::vector<std::vector<std::string>> table = {{"scenario", "figure", "seeds", "mean", "sd", "min", "max", "per seed"}};
  for (const auto& r : rows) {
    auto show = [&](double v) { return r.difference ? signed_number(v) : fixed(v, 2); };
    std::string per_seed;
    for (const auto& [seed, v] : r.by_seed) per_seed += (per_seed.empty() ? "" : " ") + std::to_string(seed) + ":" + show(v);
    table.push_back({r.scenario, r.figure, std::to_string(r.spread.n), show(r.spread.mean), fixed(r.spread.sd, 2),
                     show(r.spread.min), show(r.spread.max), per_seed});
  }
  out << text_table(table);
}

}  // namespace apq::h5tool
