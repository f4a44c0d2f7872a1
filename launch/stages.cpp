#include "launch/stages.hpp"

#include <chrono>
#include <filesystem>
#include <iostream>

namespace apq {
namespace {

void print_split(const char* name, const ImageSet& set) {
  std::vector<int> per_class(set.num_classes, 0);
  for (int label : set.labels) ++per_class[label];
  std::cout << "  " << name << ": " << set.count << " images " << set.channels << "x" << set.height << "x" << set.width
            << ", per class";
  for (int n : per_class) std::cout << ' ' << n;
  std::cout << '\n';
}

// Loads the data splits and reports them: the part of the pipeline every stage shares.
void data_stage(const RunOptions& o) {
  const auto start = std::chrono::steady_clock::now();
  const DataSplits splits = load_splits(o.data);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const NormStats norm = norm_stats(splits.train);
  std::cout << "data: " << o.data.dir << " (" << o.data.format << ") loaded in " << seconds << " s; train mean "
            << norm.mean << " std " << norm.stddev << '\n';
  print_split("train", splits.train);
  print_split("validation", splits.val);
  print_split("test (kept for final reports)", splits.test);
}

}  // namespace

int run_stages(const RunOptions& o, const ProcessInfo& process) {
  if (process.rank == 0) {
    std::cout << "apq-actors: config " << o.config_name << ", run dir " << o.run_dir << ", stage " << o.stage
              << ", seed " << o.seed << ", " << process.size << " rank(s)" << std::endl;
    std::filesystem::create_directories(o.run_dir);
    data_stage(o);
  }
  std::vector<std::string> pending;
  for (const auto& name : stage_names())
    if (o.stage == "all" || o.stage == name) pending.push_back(name);
  if (process.rank == 0) {
    std::cout << "apq-actors: stages not built yet (not run):";
    for (const auto& name : pending) std::cout << ' ' << name;
    std::cout << std::endl;
  }
  return o.stage == "all" ? 0 : 3;
}

}  // namespace apq
