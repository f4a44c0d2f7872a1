#include "launch/result_inputs.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <stdexcept>

#include "io/run_meta.hpp"

namespace apq {
namespace {

// section -> (key -> value), from "[section]" headers and "key = value" lines.
std::map<std::string, std::map<std::string, std::string>> parse_sections(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    if (line.front() == '[' && line.back() == ']') {
      section = line.substr(1, line.size() - 2);
      continue;
    }
    const auto eq = line.find(" = ");
    if (eq != std::string::npos) out[section][line.substr(0, eq)] = line.substr(eq + 3);
  }
  return out;
}

FileInputs with(FileInputs base, const std::vector<std::string>& sections) {
  base.sections.insert(base.sections.end(), sections.begin(), sections.end());
  return base;
}

}  // namespace

// Checkpoint and progress intervals never change a result; a dataset's own sample count only
// says how far it is filled (a larger count continues it).
FileInputs fp_dataset_inputs() {
  return {{"data", "space", "train", "collect-fp"}, {"train.checkpoint-every", "train.progress-every", "collect-fp.samples"}};
}
FileInputs quant_dataset_inputs() {
  return {{"data", "space", "train", "collect-quant"},
          {"train.checkpoint-every", "train.progress-every", "collect-quant.samples"}};
}
FileInputs predictor_inputs() {
  return {{"data", "space", "train", "collect-fp", "collect-quant", "predictor"},
          {"train.checkpoint-every", "train.progress-every"}};
}
FileInputs search_inputs() { return with(predictor_inputs(), {"cost", "search"}); }
FileInputs final_inputs() { return with(search_inputs(), {"finalize"}); }

std::string inputs_of(const std::string& resolved_config, const FileInputs& inputs) {
  const auto parsed = parse_sections(resolved_config);
  std::ostringstream out;
  const auto top = parsed.find("");
  if (top != parsed.end() && top->second.count("seed")) out << "seed = " << top->second.at("seed") << "\n";
  for (const auto& name : inputs.sections) {
    out << "\n[" << name << "]\n";
    const auto it = parsed.find(name);
    if (it == parsed.end()) continue;
    for (const auto& [key, value] : it->second)
      if (std::find(inputs.ignored.begin(), inputs.ignored.end(), name + "." + key) == inputs.ignored.end())
        out << key << " = " << value << "\n";
  }
  return out.str();
}

std::string first_difference(const std::string& here, const std::string& stored) {
  const auto a = parse_sections(here), b = parse_sections(stored);
  for (const auto* side : {&a, &b})
    for (const auto& [section, keys] : *side)
      for (const auto& [key, ignored] : keys) {
        const auto value = [&](const auto& m) {
          const auto s = m.find(section);
          if (s == m.end()) return std::string("(none)");
          const auto k = s->second.find(key);
          return k == s->second.end() ? std::string("(none)") : k->second;
        };
        const std::string mine = value(a), theirs = value(b);
        if (mine != theirs)
          return (section.empty() ? "" : "[" + section + "] ") + key + ": " + mine + " in this run, " + theirs +
                 " in the file";
      }
  return "";
}

void check_result_inputs(const std::string& path, const std::string& resolved_config, const FileInputs& inputs) {
  if (!h5::file_exists(path)) return;
  const RunFile file = RunFile::open_read(path);
  const std::string here = inputs_of(resolved_config, inputs);
  const std::string stored = inputs_of(file.has_attr("config") ? file.string_attr("config") : "", inputs);
  if (stored == here) return;
  throw std::runtime_error(path + ": was made with another config (" + first_difference(here, stored) +
                           "); use another --run-dir, or move the file away to recompute it");
}

void check_run_results(const RunContext& ctx) {
  if (!ctx.leader()) return;
  // Each file, with the stages that read or write it.
  // Each file (in the run directory, or in this config's scenario folder), with the stages that
  // read or write it.
  const struct {
    const char* file;
    bool in_scenario;
    FileInputs inputs;
    std::vector<const char*> stages;
  } files[] = {{"fp_dataset.h5", false, fp_dataset_inputs(), {"collect-fp", "predictor"}},
               {"quant_dataset.h5", false, quant_dataset_inputs(), {"collect-quant", "predictor", "search"}},
               {"search.h5", true, search_inputs(), {"search", "finalize"}},
               {"rounds.h5", true, search_inputs(), {"search"}},
               {"final.h5", true, final_inputs(), {"finalize"}}};
  for (const auto& f : files)
    if (std::any_of(f.stages.begin(), f.stages.end(), [&](const char* stage) { return ctx.runs(stage); }))
      check_result_inputs(f.in_scenario ? ctx.scenario_file(f.file) : ctx.file(f.file), ctx.options.resolved_config,
                          f.inputs);
}

}  // namespace apq
