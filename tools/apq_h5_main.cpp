// apq-h5: the analysis tool over a run directory or one of its HDF5 files (docs/HDF5.md).
//   apq-h5 summary PATH
//   apq-h5 pareto PATH [--x latency|energy|bitops] [--source quant|search|final]
//   apq-h5 predictor PATH
//   apq-h5 export PATH --table NAME [-o FILE.csv]
//   apq-h5 export PATH --models [-o DIR]
//   apq-h5 seeds RUN RUN [RUN...]
//   apq-h5 plot PATH -o FILE.svg [--kind pareto|predictor] [--x ...] [--source ...]
// Errors print one line "apq-h5: error: ..." and exit with code 2.
#include <boost/program_options.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "tools/h5tool_commands.hpp"
#include "tools/h5tool_common.hpp"

namespace po = boost::program_options;
using namespace apq::h5tool;

namespace {

const char* kUsage =
    "usage: apq-h5 COMMAND PATH [options]   (PATH: a run directory or one of its .h5 files)\n"
    "commands:\n"
    "  summary    what each file holds: kind, schema version, seed, counts, ranges, metrics\n"
    "  pareto     the accuracy vs cost Pareto front as a table   [--x latency|energy|bitops] [--source quant|search|final]\n"
    "  predictor  held-out quality of each predictor, transfer vs scratch\n"
    "  export     an item table as CSV   --table NAME [-o FILE.csv]   (NAME: items, failed, report, joint/results,\n"
    "             joint/history, fp/heldout; in a directory FILE:NAME, e.g. quant_dataset:items)\n"
    "             or every finalized network as TorchScript   --models [-o DIR]   (default: models/ beside final.h5)\n"
    "  plot       an SVG chart   -o FILE.svg [--kind pareto|predictor] [--x ...] [--source ...]\n"
    "  seeds      joint vs the baselines across runs of different seeds: apq-h5 seeds RUN RUN [RUN...]\n";

struct Args {
  std::string command, path;
  std::vector<std::string> paths;  // seeds: every run
  std::string x = "latency", source, table, output, kind = "pareto";
  bool models = false;
};

Args parse(int argc, char** argv) {
  Args a;
  po::options_description opts("options");
  opts.add_options()("help,h", "show usage")("x", po::value(&a.x), "cost axis: latency, energy or bitops")(
      "source", po::value(&a.source), "points from quant, search or final")("table", po::value(&a.table),
                                                                              "table to export")(
      "models", po::bool_switch(&a.models), "export the finalized networks as TorchScript")(
      "output,o", po::value(&a.output), "output file")("kind", po::value(&a.kind), "plot kind: pareto or predictor")(
      "command", po::value(&a.command))("paths", po::value(&a.paths));
  po::positional_options_description pos;
  pos.add("command", 1).add("paths", -1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") || argc < 2) {
    std::cout << kUsage;
    std::exit(0);
  }
  if (a.paths.empty()) throw std::invalid_argument(a.command + ": PATH missing (a run directory or .h5 file)");
  if (a.command != "seeds" && a.paths.size() > 1)
    throw std::invalid_argument(a.command + " takes one PATH, not " + std::to_string(a.paths.size()));
  a.path = a.paths.front();
  auto only = [&](std::initializer_list<const char*> allowed) {
    for (const char* name : {"x", "source", "table", "output", "kind", "models"}) {
      if (!vm.count(name) || vm[name].defaulted()) continue;
      bool ok = false;
      for (const char* n : allowed) ok = ok || std::string(n) == name;
      if (!ok) throw std::invalid_argument(a.command + " does not take --" + name);
    }
  };
  if (a.command == "summary" || a.command == "predictor" || a.command == "seeds") only({});
  else if (a.command == "pareto") only({"x", "source"});
  else if (a.command == "export") only({"table", "output", "models"});
  else if (a.command == "plot") only({"x", "source", "output", "kind"});
  else throw std::invalid_argument("unknown command '" + a.command + "' (summary, pareto, predictor, export, plot, seeds)");
  return a;
}

int run(const Args& a) {
  if (a.command == "summary") return summary(a.path, std::cout);
  if (a.command == "pareto") pareto(a.path, a.source, parse_cost_axis(a.x), std::cout);
  else if (a.command == "predictor") predictor_quality(a.path, std::cout);
  else if (a.command == "seeds") seeds(a.paths, std::cout);
  else if (a.command == "export") {
    if (a.models && !a.table.empty()) throw std::invalid_argument("export takes --table NAME or --models, not both");
    if (a.models) exec_export_models(a.path, a.output == "-" ? "" : a.output);
    if (a.table.empty()) throw std::invalid_argument("export needs --table NAME or --models");
    if (a.output.empty() || a.output == "-") {
      export_csv(a.path, a.table, std::cout);
    } else {
      std::ostringstream csv;  // written only when complete
      export_csv(a.path, a.table, csv);
      std::ofstream out(a.output, std::ios::binary);
      out << csv.str();
      if (!out.flush()) throw std::runtime_error(a.output + ": cannot write");
    }
  } else if (a.command == "plot") {
    if (a.output.empty()) throw std::invalid_argument("plot needs -o FILE.svg");
    plot(a.path, a.kind, a.source, parse_cost_axis(a.x), a.output);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  install_crash_handler();
  try {
    return run(parse(argc, argv));
  } catch (const std::exception& e) {
    return print_error(e);
  }
}
