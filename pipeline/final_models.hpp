// The finalized networks in forms users deploy from: each entry of final.h5 as a TorchScript file
// <scenario>/models/<rank>-<method>.pt that torch.jit.load opens in plain Python
// (kernels/torchscript_export.hpp), and the per-block table final.h5 keeps beside each state dict.
#pragma once
#include <string>
#include <vector>

#include "io/final_store.hpp"
#include "kernels/search_space.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

// The active blocks of arch in forward order, with their shapes and bits.
std::vector<FinalBlock> final_blocks(const SearchSpace& space, const Arch& arch, const Policy& policy);

// "<rank>-<method>.pt": an entry's file in a models folder.
std::string model_file_name(const FinalEntry& entry);

// Where a final.h5's networks come from: the file, the space and quantizer settings of the run
// that wrote it, and its supernet.h5 (the input normalisation of final.h5 files that predate it).
struct ModelSource {
  std::string final_path;
  const SearchSpace* space = nullptr;
  bool per_tensor_weights = false;
  std::string supernet_path;
};

// Writes the TorchScript file of every entry of source's final.h5 into out_dir; an existing file is
// kept unless replace. Returns the paths written.
std::vector<std::string> export_models(const ModelSource& source, const std::string& out_dir, bool replace);

// The scenario's <run>/scenarios/<name>/models/<rank>-<method>.pt of every final.h5 entry that has
// none yet (a resumed or older run gets the missing ones); returns the paths written.
std::vector<std::string> export_final_models(const RunContext& ctx);

}  // namespace apq
