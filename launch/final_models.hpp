// The finalized networks in forms users deploy from: each entry of final.h5 as a TorchScript file
// <run>/models/<rank>-<method>.pt that torch.jit.load opens in plain Python
// (kernels/torchscript_export.hpp), and the per-block table final.h5 keeps beside each state dict.
#pragma once
#include <string>
#include <vector>

#include "io/final_store.hpp"
#include "kernels/search_space.hpp"
#include "launch/run_context.hpp"

namespace apq {

// The active blocks of arch in forward order, with their shapes and bits.
std::vector<FinalBlock> final_blocks(const SearchSpace& space, const Arch& arch, const Policy& policy);

// <run>/models/<rank>-<method>.pt
std::string model_file(const RunContext& ctx, const FinalEntry& entry);

// Writes the TorchScript file of every final.h5 entry that has none yet (a resumed or older run
// gets the missing ones); returns the paths written.
std::vector<std::string> export_final_models(const RunContext& ctx);

}  // namespace apq
