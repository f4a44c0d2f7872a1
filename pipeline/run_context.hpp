// What every stage of a run needs, built the same way on every rank: options, process
// info, the search space and its encoding, the data splits, the run files' metadata.
#pragma once
#include <memory>
#include <string>

#include "app/options.hpp"
#include "app/process.hpp"
#include "io/image_data.hpp"
#include "io/run_meta.hpp"
#include "kernels/encoding.hpp"
#include "kernels/search_space.hpp"

namespace apq {

struct RunContext {
  RunContext(RunOptions options, ProcessInfo process);

  RunOptions options;
  ProcessInfo process;
  std::unique_ptr<SearchSpace> space;  // stable address: the encoding points to it
  std::unique_ptr<Encoding> encoding;
  DataSplits data;
  RunMeta meta;
  std::string scenario;  // this config's search scenario (pipeline/scenario.hpp)

  const PipelineOptions& pipeline() const { return options.pipeline; }
  bool leader() const { return process.rank == 0; }
  std::string file(const std::string& name) const;  // run_dir/name
  std::string scenario_file(const std::string& name) const;  // run_dir/scenarios/<scenario>/name
  bool runs(const std::string& stage) const { return options.stage == "all" || options.stage == stage; }
};

// The space spec in one readable line, stored in every run file ("same run" check).
std::string describe_space(const SpaceSpec& spec);

// Prints on rank 0 only, with a stage prefix, flushed.
void say(const RunContext& ctx, const std::string& line);

}  // namespace apq
