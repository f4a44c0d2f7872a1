// The depthwise convolution's own backward against LibTorch's: the same output, the same
// gradients to the input and the weights up to float summation order, in every layout, stride,
// kernel and image count the networks use; grad_weight independent of the number of threads.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <string>
#include <tuple>

#include "kernels/depthwise_conv.hpp"

namespace apq {
namespace {

struct Grads {
  torch::Tensor y, grad_x, grad_w;
};

template <class Conv>
Grads run(Conv conv, const torch::Tensor& x0, const torch::Tensor& w0, const torch::Tensor& upstream) {
  const torch::Tensor x = x0.detach().clone().requires_grad_(true);
  const torch::Tensor w = w0.detach().clone().requires_grad_(true);
  const torch::Tensor y = conv(x, w);
  (y * upstream).sum().backward();
  return {y.detach(), x.grad(), w.grad()};
}

void expect_close(const torch::Tensor& a, const torch::Tensor& b, const char* what) {
  ASSERT_EQ(a.sizes(), b.sizes()) << what;
  const double scale = std::max(1.0, b.abs().max().item<double>());
  EXPECT_LT((a - b).abs().max().item<double>(), 1e-5 * scale) << what;
}

// (images, channels, size, kernel, stride): image counts that are and are not a multiple of the
// chunk of four, odd and even sizes, the space's kernels and strides, 2x2 maps under a 7x7 kernel.
class DepthwiseConvAgainstTorch
    : public ::testing::TestWithParam<std::tuple<int64_t, int64_t, int64_t, int64_t, int64_t>> {};

TEST_P(DepthwiseConvAgainstTorch, SameOutputAndGradients) {
  const auto [n, c, size, k, stride] = GetParam();
  for (const bool channels_last : {false, true}) {
    auto gen = at::detail::createCPUGenerator(static_cast<uint64_t>(n * 1000 + c * 10 + k));
    torch::Tensor x = torch::randn({n, c, size, size}, gen);
    torch::Tensor w = torch::randn({c, 1, k, k}, gen);
    if (channels_last) {
      x = x.contiguous(at::MemoryFormat::ChannelsLast);
      w = w.contiguous(at::MemoryFormat::ChannelsLast);
    }
    const int64_t padding = k / 2, out = (size + 2 * padding - k) / stride + 1;
    const torch::Tensor upstream = torch::randn({n, c, out, out}, gen);
    const Grads ours = run([&](auto& a, auto& b) { return depthwise_conv2d(a, b, stride, padding); }, x, w, upstream);
    const Grads torchs =
        run([&](auto& a, auto& b) { return torch::conv2d(a, b, {}, stride, padding, 1, c); }, x, w, upstream);
    EXPECT_TRUE(torch::equal(ours.y, torchs.y)) << "the forward is torch::conv2d's";
    expect_close(ours.grad_x, torchs.grad_x, "grad_input");
    expect_close(ours.grad_w, torchs.grad_w, "grad_weight");
  }
}

INSTANTIATE_TEST_SUITE_P(Shapes, DepthwiseConvAgainstTorch,
                         ::testing::Values(std::make_tuple(5, 3, 7, 3, 1), std::make_tuple(8, 16, 14, 5, 2),
                                           std::make_tuple(3, 24, 8, 7, 2), std::make_tuple(9, 19, 2, 7, 1),
                                           std::make_tuple(1, 40, 4, 5, 1), std::make_tuple(6, 8, 9, 3, 2)));

TEST(DepthwiseConv, GradWeightDoesNotDependOnThreads) {
  auto gen = at::detail::createCPUGenerator(7);
  const torch::Tensor x = torch::randn({21, 32, 7, 7}, gen).contiguous(at::MemoryFormat::ChannelsLast);
  const torch::Tensor w = torch::randn({32, 1, 5, 5}, gen);
  const torch::Tensor upstream = torch::randn({21, 32, 7, 7}, gen);
  const int before = at::get_num_threads();
  at::set_num_threads(1);
  const Grads one = run([](auto& a, auto& b) { return depthwise_conv2d(a, b, 1, 2); }, x, w, upstream);
  at::set_num_threads(2);
  const Grads two = run([](auto& a, auto& b) { return depthwise_conv2d(a, b, 1, 2); }, x, w, upstream);
  at::set_num_threads(before);
  EXPECT_TRUE(torch::equal(one.grad_w, two.grad_w));
  EXPECT_TRUE(torch::equal(one.grad_x, two.grad_x));
}

TEST(DepthwiseConv, OnlyTheGradientsAskedFor) {
  const torch::Tensor x = torch::randn({2, 4, 5, 5});
  const torch::Tensor w = torch::randn({4, 1, 3, 3}).requires_grad_(true);
  depthwise_conv2d(x, w, 1, 1).sum().backward();
  EXPECT_FALSE(x.grad().defined());
  ASSERT_TRUE(w.grad().defined());
  const torch::Tensor w2 = w.detach().clone().requires_grad_(true);
  torch::conv2d(x, w2, {}, 1, 1, 1, 4).sum().backward();
  expect_close(w.grad(), w2.grad(), "grad_weight without grad_input");
}

TEST(DepthwiseConv, NoImagesGiveZeroGradients) {
  const torch::Tensor x = torch::zeros({0, 4, 5, 5}).requires_grad_(true);
  const torch::Tensor w = torch::randn({4, 1, 3, 3}).requires_grad_(true);
  depthwise_conv2d(x, w, 1, 1).sum().backward();
  ASSERT_TRUE(w.grad().defined());
  EXPECT_TRUE(torch::equal(w.grad(), torch::zeros_like(w)));
  EXPECT_EQ(x.grad().sizes(), x.sizes());
}

TEST(DepthwiseConv, RecognisesOnlyDepthwiseShapes) {
  const torch::Tensor x = torch::zeros({1, 8, 5, 5});
  EXPECT_TRUE(is_depthwise(x, torch::zeros({8, 1, 3, 3}), 8));
  EXPECT_FALSE(is_depthwise(x, torch::zeros({16, 8, 1, 1}), 1));  // pointwise
  EXPECT_FALSE(is_depthwise(x, torch::zeros({8, 2, 3, 3}), 4));   // grouped, not depthwise
  EXPECT_FALSE(is_depthwise(x, torch::zeros({8, 1, 3, 5}), 8));   // not square
  EXPECT_THROW(depthwise_conv2d(x, torch::zeros({16, 8, 1, 1}), 1, 0), c10::Error);
}

std::string backward_name(const torch::Tensor& y) { return y.grad_fn() ? y.grad_fn()->name() : ""; }

// conv_forward takes the project's backward exactly for the modules it computes, with the
// module's own values; every other module runs its own forward.
TEST(DepthwiseConv, ModulesTakeItWhereItApplies) {
  namespace nn = torch::nn;
  const torch::Tensor x = torch::randn({3, 6, 8, 8}).requires_grad_(true);
  nn::Conv2d depthwise(nn::Conv2dOptions(6, 6, 5).stride(2).padding(2).groups(6).bias(false));
  const torch::Tensor y = conv_forward(depthwise, x);
  EXPECT_NE(backward_name(y).find("DepthwiseConv"), std::string::npos) << backward_name(y);
  expect_close(y, depthwise->forward(x), "module output");
  for (auto options : {nn::Conv2dOptions(6, 6, 3).padding(1).groups(6),                 // bias
                       nn::Conv2dOptions(6, 12, 1).bias(false),                           // pointwise
                       nn::Conv2dOptions(6, 6, 3).padding(1).dilation(2).groups(6).bias(false)}) {
    nn::Conv2d other(options);
    const torch::Tensor z = conv_forward(other, x);
    EXPECT_EQ(backward_name(z).find("DepthwiseConv"), std::string::npos) << backward_name(z);
    EXPECT_TRUE(torch::equal(z, other->forward(x)));
  }
}

}  // namespace
}  // namespace apq
