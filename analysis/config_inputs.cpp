#include "analysis/config_inputs.hpp"

#include <algorithm>
#include <map>
#include <sstream>

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

// Keys that never change a result: checkpoint and progress intervals, whether the images are
// streamed from disk or held in memory, and whether quantized items also record their subnet's
// unquantized accuracy (a column no label, predictor or search reads; NaN where not measured).
std::vector<std::string> never_decide(std::vector<std::string> more = {}) {
  std::vector<std::string> keys{"train.checkpoint-every", "train.progress-every", "data.stream", "data.stream-cache-mb",
                                "collect-quant.fp-accuracy"};
  keys.insert(keys.end(), more.begin(), more.end());
  return keys;
}

// Keys added after run files existed, with the value that reproduces what files without them
// hold. At that value a key is left out of the inputs, so that older run directories stay valid.
const std::map<std::string, std::string>& added_keys() {
  static const std::map<std::string, std::string> added{{"collect-fp.precision", "fp32"}, {"predictor.cv-folds", "0"},
                                                                 {"predictor.bitops-input", "false"},
                                                                 {"predictor.weight-decay", "0.0001"},
                                                                 {"finalize.gain-items", "0"}};
  return added;
}
bool added_key_at_old_behaviour(const std::string& key, const std::string& value) {
  const auto it = added_keys().find(key);
  return it != added_keys().end() && it->second == value;
}

}  // namespace

// The supernet's weights: which images it trains on and how; not which validation or test
// images are scored later.
FileInputs supernet_inputs() {
  return {{"data", "space", "train"}, never_decide({"data.subset-val", "data.subset-test"})};
}
// Each FP item is drawn from its ID alone, so the count only says how far the file is filled (a
// larger count continues it; a smaller one reads its first items). The quantized count decides
// where the random pairs end and the policy groups begin: another count is another dataset.
FileInputs fp_dataset_inputs() {
  return {{"data", "space", "train", "collect-fp"}, never_decide({"collect-fp.samples"})};
}
FileInputs quant_dataset_inputs() { return {{"data", "space", "train", "collect-quant"}, never_decide()}; }
FileInputs predictor_inputs() {
  return {{"data", "space", "train", "collect-fp", "collect-quant", "predictor"}, never_decide()};
}
// Cross-validation only measures the predictors: it changes none of their weights.
FileInputs predictor_weights_inputs() {
  FileInputs inputs = predictor_inputs();
  inputs.ignored.push_back("predictor.cv-folds");
  return inputs;
}
FileInputs search_inputs() { return with(predictor_weights_inputs(), {"cost", "search"}); }
FileInputs final_inputs() { return with(search_inputs(), {"finalize"}); }
// The fine-tune's gain is measured on collect-quant's items, whatever the search; how many only
// says how far the file is filled.
FileInputs finetune_gain_inputs() {
  return {{"data", "space", "train", "collect-quant", "finalize"},
          never_decide({"collect-quant.samples", "finalize.top-k", "finalize.gain-items"})};
}

std::string inputs_of(const std::string& resolved_config, const FileInputs& inputs) {
  const auto parsed = parse_sections(resolved_config);
  std::ostringstream out;
  const auto top = parsed.find("");
  if (inputs.with_seed && top != parsed.end() && top->second.count("seed"))
    out << "seed = " << top->second.at("seed") << "\n";
  for (const auto& name : inputs.sections) {
    out << "\n[" << name << "]\n";
    const auto it = parsed.find(name);
    if (it == parsed.end()) continue;
    for (const auto& [key, value] : it->second)
      if (std::find(inputs.ignored.begin(), inputs.ignored.end(), name + "." + key) == inputs.ignored.end() &&
          !added_key_at_old_behaviour(name + "." + key, value))
        out << key << " = " << value << "\n";
  }
  return out.str();
}

std::optional<ConfigDifference> config_difference(const std::string& first, const std::string& second) {
  const auto a = parse_sections(first), b = parse_sections(second);
  const auto value = [](const auto& sections, const std::string& section, const std::string& key) {
    const auto s = sections.find(section);
    const bool present = s != sections.end() && s->second.count(key);
    if (present) return s->second.at(key);
    const auto added = added_keys().find(section + "." + key);  // absent: its old behaviour
    return added != added_keys().end() ? added->second : std::string("(none)");
  };
  for (const auto* side : {&a, &b})
    for (const auto& [section, keys] : *side)
      for (const auto& [key, ignored] : keys) {
        std::string mine = value(a, section, key), theirs = value(b, section, key);
        if (mine != theirs)
          return ConfigDifference{(section.empty() ? "" : "[" + section + "] ") + key, std::move(mine), std::move(theirs)};
      }
  return std::nullopt;
}

std::string first_difference(const std::string& here, const std::string& stored) {
  const auto d = config_difference(here, stored);
  return d ? d->key + ": " + d->first + " in this run, " + d->second + " in the file" : "";
}

}  // namespace apq
