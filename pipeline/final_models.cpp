#include "pipeline/final_models.hpp"

#include <filesystem>
#include <stdexcept>

#include "io/run_meta.hpp"
#include "kernels/torchscript_export.hpp"

namespace apq {

std::vector<FinalBlock> final_blocks(const SearchSpace& space, const Arch& arch, const Policy& policy) {
  std::vector<FinalBlock> out;
  for (int s = 0; s < space.num_slots(); ++s) {
    if (!space.is_active(arch, s)) continue;
    const BlockSlot& slot = space.slots()[s];
    const BlockBits& bits = policy.blocks.at(s);
    FinalBlock b;
    b.slot = s;
    b.stage = slot.stage;
    b.kernel = arch.kernel.at(s);
    b.in_channels = slot.in_channels;
    b.mid_channels = arch.mid.at(s);
    b.out_channels = slot.out_channels;
    b.stride = slot.stride;
    b.residual = slot.residual();
    b.pw_w_bits = bits.pw_w;
    b.pw_a_bits = bits.pw_a;
    b.dw_w_bits = bits.dw_w;
    b.dw_a_bits = bits.dw_a;
    out.push_back(b);
  }
  return out;
}

std::string model_file_name(const FinalEntry& entry) {
  return std::to_string(entry.rank) + "-" + entry.method + ".pt";
}

namespace {

// final.h5 files written before each model kept its input normalisation: supernet.h5 has it.
void take_normalisation_from_supernet(const std::string& supernet_path, FinalEntry& e) {
  if (supernet_path.empty() || !std::filesystem::exists(supernet_path))
    throw std::runtime_error("the final.h5 entry " + std::to_string(e.rank) + "-" + e.method +
                             " has no input normalisation and no supernet.h5 is beside it");
  const RunFile file = RunFile::open_read(supernet_path);
  const auto norm = file.open_group("weights").read<float>(escape_array_name("data/normalisation"));
  if (norm.size() != 2) throw std::runtime_error(supernet_path + ": malformed data/normalisation");
  e.input_mean = norm[0];
  e.input_stddev = norm[1];
}

}  // namespace

std::vector<std::string> export_models(const ModelSource& source, const std::string& out_dir, bool replace) {
  std::vector<std::string> written;
  const FinalFile final_file = read_final(source.final_path, true);
  std::filesystem::create_directories(out_dir);
  for (FinalEntry e : final_file.entries) {
    const std::string path = (std::filesystem::path(out_dir) / model_file_name(e)).string();
    if (!replace && std::filesystem::exists(path)) continue;
    if (!(e.input_stddev > 0)) take_normalisation_from_supernet(source.supernet_path, e);
    ModelExport model;
    model.arch = parse_arch(*source.space, e.arch);
    model.policy = parse_policy(*source.space, model.arch, e.policy);
    model.arch_text = e.arch;
    model.policy_text = e.policy;
    model.state_dict = e.state_dict;
    model.input_mean = e.input_mean;
    model.input_stddev = e.input_stddev;
    model.per_tensor_weights = source.per_tensor_weights;
    write_torchscript_model(*source.space, model, path);
    written.push_back(path);
  }
  return written;
}

std::vector<std::string> export_final_models(const RunContext& ctx) {
  const std::string final_path = ctx.scenario_file("final.h5");
  if (!std::filesystem::exists(final_path)) return {};
  const ModelSource source{final_path, ctx.space.get(), ctx.pipeline().finalize.job.per_tensor_weights,
                           ctx.file("supernet.h5")};
  return export_models(source, ctx.scenario_file("models"), false);
}

}  // namespace apq
