// BN re-calibration, evaluation and a worker's prepared images on a tiny real Fashion-MNIST subset (14x14).
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <set>

#include "kernels/bn_calibration.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/prepared_images.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"
#include "kernels/supernet_jobs.hpp"
#include "supernet_test_data.hpp"

namespace apq {
namespace {

SpaceSpec small_spec() {
  SpaceSpec spec = test::tiny_spec(14);
  spec.stages = {{12, 2, {1, 2, 3}}, {16, 1, {1, 2, 3}}};
  return spec;
}

// Trains the largest subnet only for a while (shared BN statistics then fit the largest).
struct TrainedSupernet {
  ImageSet train = test::fashion_mnist_14(2000);
  ImageSet val = test::fashion_mnist_14(500, 50000);
  SupernetHandle net;
  TrainedSupernet() {
    TrainConfig c;
    c.phase_steps = {150, 0, 0, 0};
    c.phase_lr = {0.1, 0, 0, 0};
    c.batch_size = 32;
    c.micro_batches = 1;
    c.augment = false;
    c.seed = 3;
    Trainer trainer(small_spec(), c, train);
    trainer.run({}, {});
    net = trainer.supernet();
  }
};

const TrainedSupernet& trained() {
  static const TrainedSupernet t;
  return t;
}

TEST(BnCalibration, TrainingLearnsFashionMnist) {
  const auto& t = trained();
  const double top1 = evaluate_subnet(t.net, t.net.space().largest(), t.train, 500, t.val, 1);
  EXPECT_GT(top1, 0.6);  // 10 classes: chance is 0.1
}

TEST(BnCalibration, ChangesTheStatisticsAndImprovesAFreshSubnet) {
  const auto& t = trained();
  const SearchSpace& space = t.net.space();
  const Arch arch = space.smallest();
  SupernetState& state = t.net.state();
  auto subnet = extract_subnet(*state.net, arch);
  const ForwardFn forward = [&](const torch::Tensor& x) { return subnet->forward(x); };
  const ImageTensors val = to_tensors(t.val, {state.mean, state.stddev});
  const ImageTensors train = to_tensors(t.train, {state.mean, state.stddev});
  const SubnetScore inherited = evaluate(*subnet, forward, val, 100);
  const auto mean_before = subnet->blocks[0].dw_bn->running_mean.clone();
  const auto var_before = subnet->head_bn->running_var.clone();
  calibrate_batch_norm(*subnet, forward, calibration_images(train, 1000, 7), 100);
  EXPECT_FALSE(subnet->is_training());
  EXPECT_GT((subnet->blocks[0].dw_bn->running_mean - mean_before).abs().max().item<float>(), 1e-3);
  EXPECT_GT((subnet->head_bn->running_var - var_before).abs().max().item<float>(), 1e-3);
  const SubnetScore calibrated = evaluate(*subnet, forward, val, 100);
  EXPECT_LT(calibrated.loss, inherited.loss);
  EXPECT_GE(calibrated.top1, inherited.top1);
  // The facade does the same and leaves the supernet untouched.
  const auto shared_before = state.net->head_bn->running_var.clone();
  EvalOptions options;
  options.calib_images = 1000;
  options.calib_batch = 100;
  const SubnetScore facade = score_subnet(t.net, arch, t.train, t.val, options, 7);
  EXPECT_NEAR(facade.top1, calibrated.top1, 1e-9);
  EXPECT_TRUE(torch::equal(shared_before, state.net->head_bn->running_var));
  // With a worker's prepared images, made by the first item and reused after: the same scores.
  PreparedImages images;
  for (const Arch& a : {arch, space.largest(), arch}) {
    const SubnetScore alone = score_subnet(t.net, a, t.train, t.val, options, 7);
    const SubnetScore shared = score_subnet(t.net, a, t.train, t.val, options, 7, &images);
    EXPECT_EQ(alone.top1, shared.top1);
    EXPECT_EQ(alone.loss, shared.loss);
    EXPECT_EQ(alone.odd.correct, shared.odd.correct);
  }
}

TEST(BnCalibration, Bf16EvaluationScoresCloseToFp32OrIsRefused) {
  const auto& t = trained();
  const Arch arch = t.net.space().largest();
  EvalOptions options;
  options.calib_images = 500;
  const SubnetScore exact = score_subnet(t.net, arch, t.train, t.val, options, 3);
  options.precision = InferencePrecision::bf16;
  if (!bf16_inference_supported()) {
    EXPECT_THROW(score_subnet(t.net, arch, t.train, t.val, options, 3), std::invalid_argument);
    return;
  }
  const SubnetScore rounded = score_subnet(t.net, arch, t.train, t.val, options, 3);
  EXPECT_EQ(rounded.images, exact.images);
  EXPECT_NE(rounded.loss, exact.loss);
  EXPECT_NEAR(rounded.loss, exact.loss, 0.02 * exact.loss);
  EXPECT_NEAR(rounded.top1, exact.top1, 0.02);
}

TEST(PreparedImages, MakesEachSetOnceAndReplacesASampleOnANewSeed) {
  const ImageSet train = test::fashion_mnist_14(300), val = test::fashion_mnist_14(100, 50000);
  const Normalisation norm{0.3f, 0.35f};
  PreparedImages images;
  const auto whole = images.whole(val, norm);
  EXPECT_EQ(whole, images.whole(val, norm));
  EXPECT_TRUE(torch::equal(whole->images, to_tensors(val, norm).images));
  EXPECT_TRUE(torch::equal(whole->labels, to_tensors(val, norm).labels));
  EXPECT_NE(whole, images.whole(val, {0.3f, 0.5f}));  // another normalisation is another entry

  const auto first = images.sample(train, 50, 5, norm);
  EXPECT_EQ(first, images.sample(train, 50, 5, norm));
  const auto next = images.sample(train, 50, 6, norm);  // a new seed replaces the entry
  EXPECT_NE(first, next);
  EXPECT_NE(next, images.sample(train, 50, 5, norm));
  const auto expected = to_tensors(subset(train, calibration_indices(train.count, 50, 6)), norm);
  EXPECT_TRUE(torch::equal(next->images, expected.images));
  EXPECT_TRUE(torch::equal(next->labels, expected.labels));
  EXPECT_FALSE(torch::equal(first->images, next->images));
  // In memory, a view holds the same images.
  EXPECT_TRUE(torch::equal(images.sample(train, 50, 6, norm, /*view=*/true)->images, expected.images));
}

TEST(BnCalibration, CalibrationIsTheAverageOfBatchStatistics) {
  const SearchSpace space(test::tiny_spec());
  Supernet net(space, 1);
  auto subnet = extract_subnet(net, space.smallest());
  const auto images = torch::randn({40, 1, 12, 12});
  // The stem BN sees stem_conv(x): its calibrated mean is the mean over 4 batches of batch means.
  torch::Tensor expected;
  {
    torch::NoGradGuard no_grad;
    const auto h = subnet->stem_conv->forward(images);
    expected = h.mean({0, 2, 3});
  }
  calibrate_batch_norm(*subnet, [&](const torch::Tensor& x) { return subnet->forward(x); }, images, 10);
  EXPECT_TRUE(torch::allclose(subnet->stem_bn->running_mean, expected, 1e-4, 1e-5));
  EXPECT_EQ(subnet->stem_bn->options.momentum().value(), 0.1);
  EXPECT_THROW(calibrate_batch_norm(*subnet, [&](const torch::Tensor& x) { return subnet->forward(x); },
                                    torch::Tensor(), 10),
               std::invalid_argument);
}

TEST(BnCalibration, IndicesAreDistinctAndSeeded) {
  const auto a = calibration_indices(100, 30, 5), b = calibration_indices(100, 30, 5), c = calibration_indices(100, 30, 6);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_EQ(std::set<int>(a.begin(), a.end()).size(), 30u);
  EXPECT_EQ(calibration_indices(10, 50, 1).size(), 10u);
}

}  // namespace
}  // namespace apq
