// Quantized accuracy of a trained subnet (the "Show" items): trains a small supernet on
// Fashion-MNIST (largest subnet only, a few hundred steps), then for the largest subnet reports
//   full precision (BN re-calibrated), full precision after the same short fine-tune, and the
//   uniform 8-, 6- and 4-bit policies after that same fine-tune,
// all on the validation split. The baseline (full precision) is measured in the same run.
// Usage: quant_accuracy_bench [--train-steps N] [--finetune-steps N] [--threads T] [--data DIR]

#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/process.hpp"
#include "io/image_data.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/quant_subnet.hpp"
#include "kernels/supernet.hpp"

using namespace apq;

int main(int argc, char** argv) {
  apq::tune_allocator();
  int train_steps = 600, finetune_steps = 100, threads = 2;
  DataConfig data;
  data.subset_train = 20000;
  data.subset_val = 5000;
  data.subset_test = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--train-steps") train_steps = std::atoi(argv[i + 1]);
    else if (key == "--finetune-steps") finetune_steps = std::atoi(argv[i + 1]);
    else if (key == "--threads") threads = std::atoi(argv[i + 1]);
    else if (key == "--data") data.dir = argv[i + 1];
    else {
      std::fprintf(stderr, "quant_accuracy_bench: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (train_steps < 1 || finetune_steps < 1 || threads < 1) {
    std::fprintf(stderr, "quant_accuracy_bench: steps and threads must be positive\n");
    return 2;
  }
  torch::set_num_threads(threads);
  try {
    const DataSplits splits = load_splits(data);
    // A small space so that training fits in minutes on a laptop-class CPU.
    SpaceSpec spec = default_fmnist_space();
    spec.stages = {{16, 2, {2}}, {24, 2, {2}}, {32, 2, {2}}};
    spec.kernels = {3};
    spec.expands = {4};
    spec.head_width = 128;
    TrainConfig train;
    train.phase_steps = {train_steps, 0, 0, 0};
    train.phase_lr = {0.1, 0.03, 0.03, 0.03};
    train.progress_every = 100;
    Trainer trainer(spec, train, splits.train);
    trainer.run([](const TrainProgress& p) {
      std::printf("train step %lld/%lld loss %.3f lr %.4f %.0f img/s\n", static_cast<long long>(p.step),
                  static_cast<long long>(p.total_steps), p.loss, p.lr, p.images_per_second);
      std::fflush(stdout);
    }, [](const NamedArrays&) {});
    const SupernetHandle net = trainer.supernet();
    const SearchSpace& space = net.space();
    const Arch arch = space.largest();
    const Normalisation norm{net.state().mean, net.state().stddev};

    EvalOptions eval;
    eval.calib_images = 1000;
    const double fp = score_subnet(net, arch, splits.train, splits.val, eval, 1).top1;

    FinetuneConfig tune;
    tune.steps = finetune_steps;
    tune.batch_size = 64;
    tune.lr = 0.005;
    {  // the full-precision subnet after the same fine-tune (BN re-estimated after it, as below)
      const auto subnet = extract_subnet(*net.state().net, arch);
      const ForwardFn forward = [&](const torch::Tensor& x) { return subnet->forward(x); };
      const auto tune_data = to_tensors(subset(splits.train, calibration_indices(splits.train.count, tune.steps * 64, 7)), norm);
      finetune(*subnet, forward, tune_data, tune, 8);
      const auto bn = to_tensors(subset(splits.train, calibration_indices(splits.train.count, 1000, 9)), norm).images;
      calibrate_batch_norm(*subnet, forward, bn, 250);
      const double fp_tuned = evaluate(*subnet, forward, to_tensors(splits.val, norm), 500).top1;
      std::printf("arch %s\nfull precision: %.2f%% (BN re-calibrated), %.2f%% after %d fine-tune steps\n",
                  to_string(space, arch).c_str(), 100 * fp, 100 * fp_tuned, finetune_steps);
    }
    QuantEvalConfig qconfig;
    qconfig.finetune = tune;
    const auto subnet = extract_subnet(*net.state().net, arch);
    for (int bits : {8, 6, 4}) {
      const auto r = quantize_and_evaluate(*subnet, space, space.uniform_policy(arch, bits), splits.train, splits.val,
                                           norm, qconfig, 1);
      std::printf("%d-bit: %.2f%% (%+.2f points vs full precision), fine-tune %.0f img/s\n", bits, 100 * r.score.top1,
                  100 * (r.score.top1 - fp), r.finetune.images_per_second);
      std::fflush(stdout);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quant_accuracy_bench: %s\n", e.what());
    return 1;
  }
  return 0;
}
