#include "pipeline/scenario.hpp"

#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <stdexcept>

#include "base/rng.hpp"
#include "io/dataset_store.hpp"
#include "io/run_meta.hpp"
#include "pipeline/result_inputs.hpp"
#include "pipeline/run_context.hpp"

namespace fs = std::filesystem;

namespace apq {
namespace {

// What makes one scenario differ from another: its cost table and search settings. (The final
// fine-tune settings are checked against final.h5 instead: a change there is refused, not a new
// scenario.)
FileInputs scenario_inputs() { return {{"cost", "search"}, {}}; }

// "key = value" of the [search] section of a resolved config ("" when absent or 0).
std::string budget_value(const std::string& config, const std::string& key) {
  std::istringstream in(inputs_of(config, {{"search"}, {}}));
  const std::string prefix = key + " = ";
  for (std::string line; std::getline(in, line);)
    if (line.rfind(prefix, 0) == 0) {
      const std::string value = line.substr(prefix.size());
      return std::stod(value) == 0.0 ? "" : value;
    }
  return "";
}

// The files of one scenario, as they sit in the run directory's top level (links or, from an
// earlier version, the files themselves).
const char* const kScenarioEntries[] = {"search.h5", "final.h5", "models"};

// Points run_dir/name at scenarios/<scenario>/name, replacing an older link in one step.
void link_entry(const fs::path& run_dir, const std::string& scenario, const std::string& name) {
  const fs::path link = run_dir / name;
  const fs::path temporary = run_dir / ("." + name + ".link");
  fs::remove(temporary);
  fs::create_symlink(fs::path(scenario_folder(scenario)) / name, temporary);
  fs::rename(temporary, link);
}

}  // namespace

void adopt_earlier_results(const RunContext& ctx) {
  if (!ctx.leader()) return;
  const fs::path run_dir(ctx.options.run_dir);
  const fs::path search = run_dir / "search.h5";
  if (fs::is_symlink(search) || !fs::is_regular_file(search)) return;
  const RunFile file = RunFile::open_read(search.string());
  const std::string config = file.has_attr("config") ? file.string_attr("config") : "";
  if (config.empty()) throw std::runtime_error(search.string() + ": records no config; move it away to rerun the search");
  const std::string name = scenario_name(config);
  const fs::path folder = run_dir / scenario_folder(name);
  fs::create_directories(folder);
  for (const char* entry : kScenarioEntries) {
    const fs::path from = run_dir / entry;
    if (fs::is_symlink(from) || !fs::exists(from)) continue;
    if (fs::exists(folder / entry)) throw std::runtime_error(from.string() + ": " + (folder / entry).string() + " exists too; move one away");
    fs::rename(from, folder / entry);
  }
  // Its search rounds' items sat in the shared quant_dataset.h5: a copy goes to the scenario's
  // rounds.h5, stamped with the scenario's own config, so that they are not measured again.
  const std::string quant = ctx.file("quant_dataset.h5");
  if (h5::file_exists(quant) && !h5::file_exists((folder / "rounds.h5").string())) {
    RunMeta meta = ctx.meta;
    meta.config = config;
    std::unique_ptr<QuantDatasetWriter> rounds;
    for (const auto& r : read_quant_dataset(quant).records) {
      if (r.kind != QuantItemKind::search_round) continue;
      if (!rounds)
        rounds = std::make_unique<QuantDatasetWriter>((folder / "rounds.h5").string(), meta, ctx.encoding->arch_size(),
                                                      ctx.encoding->policy_size());
      rounds->append(r);
    }
  }
  say(ctx, "scenario: results of an earlier version moved to " + folder.string());
}

std::string scenario_name(const std::string& resolved_config) {
  std::string budget;
  const struct {
    const char* key;
    const char* label;
    const char* unit;
  } parts[] = {{"latency-ms", "latency", "ms"}, {"energy-mj", "energy", "mJ"}, {"bitops", "bitops", ""}};
  for (const auto& p : parts) {
    const std::string value = budget_value(resolved_config, p.key);
    if (!value.empty()) budget += (budget.empty() ? "" : "_") + std::string(p.label) + value + p.unit;
  }
  return (budget.empty() ? "unconstrained" : budget) + "-" + config_hash(inputs_of(resolved_config, scenario_inputs()));
}

std::string config_hash(const std::string& text) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08llx", static_cast<unsigned long long>(stream_tag(text.c_str()) & 0xffffffffULL));
  return hex;
}

std::string scenario_folder(const std::string& name) { return "scenarios/" + name; }

void check_scenario(const RunContext& ctx) {
  if (!ctx.leader() || ctx.runs("search") || !ctx.runs("finalize")) return;
  if (!h5::file_exists(ctx.scenario_file("search.h5")))
    throw std::runtime_error("scenario " + ctx.scenario + " (" + scenario_folder(ctx.scenario) +
                             ") has no search results: run the search stage for it first (a new budget or search setting is a new scenario)");
}

void enter_scenario(const RunContext& ctx) {
  if (!ctx.leader()) return;
  const fs::path run_dir(ctx.options.run_dir);
  fs::create_directories(run_dir / scenario_folder(ctx.scenario));
  for (const char* entry : kScenarioEntries) {
    const fs::path top = run_dir / entry;
    if (fs::exists(fs::symlink_status(top)) && !fs::is_symlink(top))
      throw std::runtime_error(top.string() + ": a plain file where the link to the scenario's results belongs; move it away");
    link_entry(run_dir, ctx.scenario, entry);
  }
  say(ctx, "scenario: " + ctx.scenario + " (" + (run_dir / scenario_folder(ctx.scenario)).string() +
               "; search.h5, final.h5 and models in " + run_dir.string() + " link to it)");
}

}  // namespace apq
