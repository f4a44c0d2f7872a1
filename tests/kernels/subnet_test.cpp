// Static subnet extraction: same output as the supernet's active forward.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include "base/rng.hpp"
#include "kernels/model_state.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"
#include "supernet_test_data.hpp"
#include "supernet_test_tensors.hpp"

namespace apq {
namespace {

using test::input;
using test::randomise_bn;
using test::tiny_spec;

TEST(Subnet, ExtractionEqualsTheActiveSupernetForward) {
  SearchSpace space(tiny_spec());
  Supernet net(space, 7);
  randomise_bn(net, 8);
  net.eval();
  Rng rng(9);
  std::vector<Arch> archs{space.largest(), space.smallest()};
  for (int i = 0; i < 8; ++i) archs.push_back(space.sample(rng));
  torch::NoGradGuard no_grad;
  for (const Arch& arch : archs) {
    auto sub = extract_subnet(net, arch);
    net.set_active(arch);
    const auto x = input(100);
    const auto expected = net.forward(x);
    const auto got = sub->forward(x);
    EXPECT_LT((expected - got).abs().max().item<float>(), 1e-5) << to_string(space, arch);
    EXPECT_EQ(static_cast<int>(sub->blocks.size()), [&] {
      int n = 0;
      for (int d : arch.depth) n += d;
      return n;
    }());
  }
}

TEST(Subnet, ExtractionDoesNotChangeTheActiveArch) {
  SearchSpace space(tiny_spec());
  Supernet net(space, 7);
  const Arch small = space.smallest();
  net.set_active(small);
  extract_subnet(net, space.largest());
  EXPECT_EQ(net.active(), small);
}

TEST(Subnet, ExtractionKeepsTransformedKernelsAndSlicedChannels) {
  SearchSpace space(tiny_spec());
  Supernet net(space, 4);
  randomise_bn(net, 5);
  Arch arch = space.largest();
  arch.kernel[1] = 3;
  arch.mid[1] = space.slots()[1].mid_choices.front();
  auto sub = extract_subnet(net, arch);
  ASSERT_EQ(sub->blocks[1].slot, 1);
  EXPECT_EQ(sub->blocks[1].dw->weight.sizes(), (std::vector<int64_t>{arch.mid[1], 1, 3, 3}));
  EXPECT_TRUE(torch::allclose(sub->blocks[1].dw->weight, net.blocks[1]->dw->kernel_weight(arch.mid[1], 3)));
  EXPECT_TRUE(torch::equal(sub->blocks[1].dw_bn->running_var, net.blocks[1]->dw_bn->running_var.slice(0, 0, arch.mid[1])));
  EXPECT_TRUE(sub->blocks[1].residual);   // stage 1 keeps 8 channels at stride 1
  EXPECT_FALSE(sub->blocks[2].residual);  // first block of the stride-2 stage
  // Names are stable: quantization and checkpoints address layers by them.
  NamedArrays state;
  append_module_state(*sub, "", state);
  EXPECT_NE(find_array_or_null(state, "blocks.1.dw.weight"), nullptr);
  EXPECT_NE(find_array_or_null(state, "blocks.0.project_bn.running_mean"), nullptr);
  EXPECT_NE(find_array_or_null(state, "classifier.bias"), nullptr);
}

}  // namespace
}  // namespace apq
