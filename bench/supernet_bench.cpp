// Training and evaluation speed of the elastic supernet against a plain LibTorch network of the
// same shape (the extracted StaticSubnet), for the largest and the smallest subnet of the
// default Fashion-MNIST space, in the same run. Goal: elastic >= 0.9x static.
//   build/bench/supernet_bench [--threads 2] [--batch 128] [--seconds 8]
// (seconds of training steps per subnet, half as long for evaluation; median of interleaved steps)
#include <unistd.h>
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "app/process.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"
#include "kernels/supernet_training.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Times elastic and static steps one after the other (so both see the same machine) for about
// `seconds` after a warm-up step each; returns the median images per second of each. A median
// of interleaved single steps is what survives the bursts of a shared machine; the best of long
// rounds (the first method) still swung 0.79-1.05 between runs.
struct PairSpeed {
  double elastic, static_net;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

PairSpeed interleaved_speed(const std::function<void()>& elastic_step, const std::function<void()>& static_step,
                            int batch, double seconds) {
  elastic_step();
  static_step();
  std::vector<double> elastic, static_net;
  const auto t0 = Clock::now();
  do {
    for (auto* pair : {&elastic, &static_net}) {
      const auto start = Clock::now();
      (pair == &elastic ? elastic_step : static_step)();
      pair->push_back(batch / seconds_since(start));
    }
  } while (seconds_since(t0) < seconds);
  return {median(elastic), median(static_net)};
}

// Runs step() (one batch) for about `seconds` after one warm-up step; returns images per second.
double images_per_second(const std::function<void()>& step, int batch, double seconds) {
  step();
  int steps = 0;
  const auto t0 = Clock::now();
  do {
    step();
    ++steps;
  } while (seconds_since(t0) < seconds);
  return steps * batch / seconds_since(t0);
}

using Forward = std::function<torch::Tensor(const torch::Tensor&)>;

// One SGD step of `net` through `forward` (an optimizer per network, kept across steps).
std::function<void()> train_step(torch::nn::Module& net, Forward forward, const torch::Tensor& x, const torch::Tensor& y) {
  auto opt = std::make_shared<torch::optim::SGD>(
      net.parameters(), torch::optim::SGDOptions(0.01).momentum(0.9).nesterov(true).weight_decay(4e-5));
  return [&net, opt, forward, &x, &y] {
    net.train();
    // Gradients dropped rather than zeroed, as the supernet trainer does (and PyTorch 2's
    // zero_grad): the backward pass then hands each parameter its gradient without an add.
    for (auto& p : net.parameters()) p.mutable_grad() = torch::Tensor();
    torch::nn::functional::cross_entropy(forward(x), y).backward();
    opt->step();
  };
}

std::function<void()> eval_step(torch::nn::Module& net, Forward forward, const torch::Tensor& x) {
  return [&net, forward, &x] {
    net.eval();
    torch::NoGradGuard no_grad;
    forward(x);
  };
}

}  // namespace

int main(int argc, char** argv) {
  // On a shared machine OpenMP threads that spin while waiting collapse (STACK.md): an elementwise
  // op ran 60x slower at load 12. libgomp reads the policy when it loads, so re-execute with it set
  // (OMP_WAIT_POLICY=ACTIVE in the environment keeps the spinning policy).
  if (!std::getenv("OMP_WAIT_POLICY")) {
    setenv("OMP_WAIT_POLICY", "PASSIVE", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on with the default policy
  }
  apq::tune_allocator();
  int threads = 2, batch = 128;
  double seconds = 8.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--batch") batch = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "supernet_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  apq::set_compute_threads(threads);
  const apq::SearchSpace space(apq::default_fmnist_space());
  const auto& spec = space.spec();
  apq::Supernet supernet(space, 1);
  const auto x = torch::randn({batch, spec.in_channels, spec.image_size, spec.image_size});
  const auto y = torch::randint(0, spec.num_classes, {batch}, torch::kLong);
  int64_t supernet_params = 0;
  for (const auto& p : supernet.parameters()) supernet_params += p.numel();

  std::printf("supernet bench: default Fashion-MNIST space, %d slots, %lld supernet parameters, batch %d, %d threads\n",
              space.num_slots(), static_cast<long long>(supernet_params), batch, threads);
  std::printf("%-9s %-6s %10s %14s %14s %7s\n", "subnet", "mode", "params", "elastic img/s", "static img/s", "ratio");
  struct Case {
    const char* name;
    apq::Arch arch;
  };
  for (const Case& c : {Case{"largest", space.largest()}, Case{"smallest", space.smallest()}}) {
    supernet.set_active(c.arch);
    auto net = apq::extract_subnet(supernet, c.arch);
    int64_t params = 0;
    for (const auto& p : net->parameters()) params += p.numel();
    auto elastic_forward = [&](const torch::Tensor& in) { return supernet.forward(in); };
    auto static_forward = [&](const torch::Tensor& in) { return net->forward(in); };
    const auto train = interleaved_speed(train_step(supernet, elastic_forward, x, y),
                                         train_step(*net, static_forward, x, y), batch, seconds);
    const auto eval = interleaved_speed(eval_step(supernet, elastic_forward, x), eval_step(*net, static_forward, x),
                                        batch, seconds / 2);
    for (const auto& [mode, speed] : {std::pair{"train", train}, std::pair{"eval", eval}})
      std::printf("%-9s %-6s %10lld %14.1f %14.1f %7.2f\n", c.name, mode, static_cast<long long>(params), speed.elastic,
                  speed.static_net, speed.elastic / speed.static_net);
  }
  std::printf("largest: %s\n", apq::to_string(space, space.largest()).c_str());

  // The real training step (batches, BN statistic sums, gradient buckets, own SGD), per phase.
  apq::ImageSet images;
  images.count = 4 * batch;
  images.channels = spec.in_channels;
  images.height = images.width = spec.image_size;
  images.num_classes = spec.num_classes;
  apq::Rng rng(5);
  images.pixels.resize(static_cast<std::size_t>(images.count) * images.pixels_per_image());
  for (auto& p : images.pixels) p = static_cast<std::uint8_t>(rng.below(256));
  for (int i = 0; i < images.count; ++i) images.labels.push_back(rng.below(spec.num_classes));
  for (int phase : {0, 3}) {
    apq::TrainConfig config;
    config.batch_size = batch;
    config.phase_steps = {phase == 0 ? 100000 : 0, 0, 0, phase == 3 ? 100000 : 0};
    apq::SupernetTrainer trainer(spec, config, images, 0, 1, {});
    const double ips = images_per_second([&] { trainer.train_step(); }, batch, seconds / 2);
    std::printf("trainer step, phase %-7s (%s): %.1f img/s\n", apq::phase_name(phase),
                phase == 0 ? "largest only" : "largest + sampled subnet with distillation", ips);
  }
  return 0;
}
