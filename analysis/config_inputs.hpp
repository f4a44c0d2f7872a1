// Which keys of a resolved config decide a result (its inputs), and how two configs differ in
// them. Plain text work on the "[section]" / "key = value" form that every run file stores in
// its `config` attribute; no files, no LibTorch, so that apq-h5 shares it with the pipeline.
#pragma once
#include <optional>
#include <string>
#include <vector>

namespace apq {

// What decides a file: config sections, less the keys that do not change its contents.
struct FileInputs {
  std::vector<std::string> sections;
  std::vector<std::string> ignored;  // "section.key"
  bool with_seed = true;             // the top-level seed decides it too
};
FileInputs supernet_inputs();
FileInputs fp_dataset_inputs();
FileInputs quant_dataset_inputs();
FileInputs predictor_inputs();
FileInputs predictor_weights_inputs();  // what the search reads of them: not how they were judged
FileInputs search_inputs();
FileInputs final_inputs();
FileInputs finetune_gain_inputs();

// The top-level seed (when `inputs.with_seed`) and the inputs' keys of a resolved config, as text.
// A key added after run files existed is left out at the value that reproduces files made
// without it (collect-fp.precision = fp32), so those files keep matching.
std::string inputs_of(const std::string& resolved_config, const FileInputs& inputs);

// The first key in which two configs (or two inputs_of texts) differ.
struct ConfigDifference {
  std::string key;     // "[search] latency-ms", or "seed" for a top-level key
  std::string first;   // its value in the first config, "(none)" when absent
  std::string second;  // ... in the second
};
std::optional<ConfigDifference> config_difference(const std::string& first, const std::string& second);

// "" when they agree, else "[search] latency-ms: 0.2 in this run, 0.11 in the file".
std::string first_difference(const std::string& here, const std::string& stored);

}  // namespace apq
