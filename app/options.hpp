// Command line and INI options of apq-actors. Every config key is also a command-line
// option (`--section.key VALUE`); the command line wins over the config file.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/pipeline_options.hpp"
#include "io/image_data.hpp"
#include "kernels/search_space.hpp"

namespace apq {

// A user error in options or config: printed as one line, exit code 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct RunOptions {
  std::string config_name;  // file path, or the embedded default's name
  std::string run_dir = "runs/quick";
  std::string stage = "all";  // or one stage's name (checked by the pipeline: pipeline/stage_table.hpp)
  std::uint64_t seed = 1;
  int threads = 0;  // 0: cores on the node / ranks on the node
  bool dry_run = false;
  std::string resolved_config;  // every key = value in effect, INI form (stored in run files)
  DataConfig data;
  SpaceSpec space;
  PipelineOptions pipeline;
};

// What parsing decided: run, or exit now (after --help / --version printed their text).
struct ParsedCommandLine {
  bool exit_now = false;
  RunOptions options;
};

// Throws UsageError on unknown keys, bad values, or a missing config file.
ParsedCommandLine parse_command_line(int argc, const char* const argv[], std::string& printed);

// The options a config text gives alone (e.g. the resolved config a run file stores; name is
// where it came from, for errors). Throws UsageError like parse_command_line.
RunOptions parse_config_text(const std::string& ini, const std::string& name);

// Keys whose value follows the rank count, once it is known: `search.islands = 0` (one island per
// rank) becomes the count itself, in the options and in the resolved config that every run file
// records and that names the scenario, so results made on 2 ranks are never served to 4.
void resolve_rank_dependent_keys(RunOptions& options, int ranks);

}  // namespace apq
