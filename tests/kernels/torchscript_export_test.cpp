#include "kernels/torchscript_export.hpp"

#include <gtest/gtest.h>
#include <torch/script.h>

#include <cstdio>
#include <filesystem>
#include <unistd.h>

#include "base/rng.hpp"
#include "kernels/batches.hpp"
#include "kernels/model_state.hpp"
#include "kernels/quant_subnet.hpp"
#include "kernels/supernet.hpp"

namespace apq {
namespace {

SpaceSpec residual_spec() {
  SpaceSpec spec;
  spec.image_size = 12;
  spec.stem_width = 8;
  spec.first_block_width = 8;
  spec.stages = {{8, 2, {1, 2}}, {16, 1, {1, 2}}};  // the second stage's later blocks are residual
  spec.kernels = {3, 5};
  spec.expands = {2, 3};
  spec.head_width = 32;
  spec.bits = {2, 4, 8};
  return spec;
}

struct Exported {
  SearchSpace space{residual_spec()};
  std::shared_ptr<Supernet> supernet = std::make_shared<Supernet>(space, 3);
  Arch arch;
  Policy policy;
  std::shared_ptr<StaticSubnet> subnet;
  std::shared_ptr<QuantSubnet> net;
  torch::Tensor pixels;   // uint8 [N, 1, 12, 12]
  torch::Tensor inputs;   // normalised as the evaluation normalises
  std::string path;
  Normalisation norm{0.3f, 0.25f};

  explicit Exported(std::uint64_t seed) {
    Rng rng(seed);
    do arch = space.sample(rng);
    while (arch.depth != std::vector<int>{2, 2});
    policy = space.sample_policy(arch, rng);  // mixed bits, 2 and 4 among them: KL ranges too
    subnet = extract_subnet(*supernet, arch);
    net = std::make_shared<QuantSubnet>(*subnet, space, policy);
    torch::manual_seed(static_cast<std::uint64_t>(seed));
    pixels = torch::randint(0, 256, {32, 1, 12, 12}, torch::kUInt8);
    ImageSet set;
    set.count = 32;
    set.channels = 1;
    set.height = set.width = 12;
    set.num_classes = 10;
    set.pixels.assign(pixels.data_ptr<std::uint8_t>(), pixels.data_ptr<std::uint8_t>() + pixels.numel());
    set.labels.assign(32, 0);
    inputs = to_tensors(set, norm).images;
    net->eval();
    calibrate_activation_ranges(*net, [&] { net->forward(inputs); });
    path = (std::filesystem::temp_directory_path() / ("apq_export_" + std::to_string(::getpid()) + ".pt")).string();
  }
  ~Exported() { std::remove(path.c_str()); }

  ModelExport model() const {
    ModelExport m;
    m.arch = arch;
    m.policy = policy;
    m.arch_text = "arch-text";
    m.policy_text = "policy-text";
    append_module_state(*net, "", m.state_dict);
    m.input_mean = norm.mean;
    m.input_stddev = norm.stddev;
    return m;
  }
};

TEST(TorchScriptExport, ComputesExactlyWhatTheQuantizedEvaluationComputes) {
  Exported e(11);
  write_torchscript_model(e.space, e.model(), e.path);
  torch::jit::Module loaded = torch::jit::load(e.path);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = e.net->forward(e.inputs);
  const torch::Tensor got = loaded.forward({e.pixels}).toTensor();
  ASSERT_EQ(got.sizes(), expected.sizes());
  EXPECT_TRUE(torch::equal(got, expected)) << "max |diff| " << (got - expected).abs().max().item<double>();
  // Float pixels give the same as uint8 ones.
  EXPECT_TRUE(torch::equal(loaded.forward({e.pixels.to(torch::kFloat)}).toTensor(), expected));
}

TEST(TorchScriptExport, FloatForwardIsTheUnquantizedNetwork) {
  Exported e(12);
  write_torchscript_model(e.space, e.model(), e.path);
  torch::jit::Module loaded = torch::jit::load(e.path);
  torch::NoGradGuard no_grad;
  const torch::Tensor expected = e.subnet->forward(e.inputs);
  const torch::Tensor got = loaded.get_method("forward_float")({e.pixels}).toTensor();
  EXPECT_TRUE(torch::allclose(got, expected, 1e-5, 1e-5)) << "max |diff| " << (got - expected).abs().max().item<double>();
  const torch::Tensor quantized = loaded.forward({e.pixels}).toTensor();
  EXPECT_FALSE(torch::allclose(quantized, expected, 1e-5, 1e-5));  // the quantized path does quantize
  EXPECT_EQ(loaded.attr("arch").toStringRef(), "arch-text");
  EXPECT_EQ(loaded.attr("policy").toStringRef(), "policy-text");
  EXPECT_FLOAT_EQ(static_cast<float>(loaded.attr("input_mean").toDouble()), e.norm.mean);
}

TEST(TorchScriptExport, AStateDictOfAnotherNetworkIsRejectedAndNothingIsWritten) {
  Exported e(13);
  ModelExport m = e.model();
  m.arch = e.space.smallest();
  m.policy = e.space.uniform_policy(m.arch, 8);
  EXPECT_THROW(write_torchscript_model(e.space, m, e.path), std::invalid_argument);
  EXPECT_FALSE(std::filesystem::exists(e.path));
}

}  // namespace
}  // namespace apq
