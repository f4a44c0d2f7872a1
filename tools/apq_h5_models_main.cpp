// apq-h5-models PATH [DIR]: the TorchScript file of every network of a final.h5, as finalize
// writes it, rebuilt from final.h5 alone (the space and quantizer settings come from the config the
// file stores). `apq-h5 export PATH --models [-o DIR]` runs it: it is a program of its own because
// it needs LibTorch and the pipeline's options, which would make every other apq-h5 command load
// some 250 more shared libraries. Errors: one line "apq-h5: error: ...", exit code 2.
#include <filesystem>
#include <iostream>
#include <stdexcept>

#include "app/options.hpp"
#include "io/final_store.hpp"
#include "io/run_meta.hpp"
#include "pipeline/final_models.hpp"
#include "tools/h5tool_common.hpp"

namespace apq::h5tool {
namespace {

namespace fs = std::filesystem;

// The run directory of a final.h5: its folder, or three levels up for a scenario's
// <run>/scenarios/<name>/final.h5.
fs::path run_dir_of(const fs::path& final_file) {
  const fs::path folder = final_file.parent_path();
  return folder.parent_path().filename() == "scenarios" ? folder.parent_path().parent_path() : folder;
}

void export_models(const std::string& path, const std::string& out_dir, std::ostream& out) {
  const fs::path final_file = fs::canonical(find_run_file(path, run_kind::final_models));
  FinalFile final_meta;
  with_retries(final_file.string(), [&] { final_meta = read_final(final_file.string(), false); });
  if (final_meta.meta.config.empty())
    throw std::runtime_error(final_file.string() + ": stores no config, so its space is unknown; run apq-actors --stage finalize on its run instead");
  RunOptions options;
  try {
    options = parse_config_text(final_meta.meta.config, final_file.string() + " (its stored config)");
  } catch (const UsageError& e) {
    throw std::runtime_error(e.what());
  }
  const SearchSpace space(options.space);
  const ModelSource source{final_file.string(), &space, options.pipeline.finalize.job.per_tensor_weights,
                           (run_dir_of(final_file) / "supernet.h5").string()};
  const std::string folder = out_dir.empty() ? (final_file.parent_path() / "models").string() : out_dir;
  // Rewritten whole each time: a file is a function of final.h5, written through a rename.
  const auto written = apq::export_models(source, folder, true);
  for (const auto& file : written) out << file << "\n";
  out << "apq-h5 export: " << written.size() << " network(s) of " << final_file.string() << " written to " << folder
      << " (torch.jit.load opens each)\n";
}

}  // namespace
}  // namespace apq::h5tool

int main(int argc, char** argv) {
  apq::h5tool::install_crash_handler();
  try {
    if (argc < 2 || argc > 3) throw std::invalid_argument("usage: apq-h5-models PATH [DIR] (apq-h5 export PATH --models [-o DIR])");
    apq::h5tool::export_models(argv[1], argc == 3 ? argv[2] : "", std::cout);
    return 0;
  } catch (const std::exception& e) {
    return apq::h5tool::print_error(e);
  }
}
