// Label evaluation speed: the images/s of one subnet's validation pass as collect-fp runs it now
// (BN folded into the convolutions, inference mode, per-image results kept as tensors until the
// end) against the previous path (conv + BN modules under no-grad, a host sync per batch), for the
// median-MACs subnet of the default Fashion-MNIST space, in the same run, interleaved. Also the
// new path at several batch sizes and in bf16 (collect-fp.precision = bf16), BN re-calibration (one
// cumulative pass) in images/s, and the GFLOP/s both paths reach against a 1024^2 sgemm in the
// same run.
//   build/bench/eval_bench [--threads 1] [--images 2000] [--seconds 6]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>
#include <vector>

#include "app/process.hpp"
#include "bench/gemm_peak.hpp"
#include "bench/median_subnet.hpp"
#include "kernels/bn_calibration.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/folded_subnet.hpp"
#include "kernels/inference_precision.hpp"
#include "kernels/subnet.hpp"
#include "kernels/supernet.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }
double wall_now() { return std::chrono::duration<double>(Clock::now().time_since_epoch()).count(); }

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// The evaluation loop before this bench's change: BN as modules, a host sync per batch.
int64_t previous_evaluate(apq::StaticSubnet& net, const apq::ImageTensors& data, int64_t batch) {
  net.eval();
  torch::NoGradGuard no_grad;
  int64_t correct = 0;
  double loss = 0;
  for (int64_t begin = 0; begin < data.size(); begin += batch) {
    const auto b = apq::slice_batch(data, begin, std::min(begin + batch, data.size()));
    const auto logits = net.forward(b.images);
    correct += logits.argmax(1).eq(b.labels).sum().item<int64_t>();
    loss += torch::nn::functional::cross_entropy(
                logits, b.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                .item<double>();
  }
  return loss >= 0 ? correct : -1;
}

// Median images/s of each function over interleaved single passes, for about `seconds`.
std::vector<double> interleaved(const std::vector<std::function<void()>>& passes, int64_t images, double seconds) {
  for (const auto& p : passes) p();  // warm-up
  std::vector<std::vector<double>> speeds(passes.size());
  const auto t0 = Clock::now();
  do {
    for (std::size_t i = 0; i < passes.size(); ++i) {
      const auto start = Clock::now();
      passes[i]();
      speeds[i].push_back(static_cast<double>(images) / seconds_since(start));
    }
  } while (seconds_since(t0) < seconds);
  std::vector<double> out;
  for (auto& s : speeds) out.push_back(median(s));
  return out;
}


}  // namespace

int main(int argc, char** argv) {
  apq::ensure_passive_openmp(argv);
  apq::tune_allocator();
  int threads = 1, images = 2000;
  double seconds = 6.0;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--images") images = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else {
      std::fprintf(stderr, "eval_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  apq::set_compute_threads(threads);
  const apq::SearchSpace space(apq::default_fmnist_space());
  const auto& spec = space.spec();
  apq::Supernet supernet(space, 1);
  const apq::bench::MedianSubnet median_net = apq::bench::median_subnet(space);
  const apq::Arch& arch = median_net.arch;
  auto net = apq::extract_subnet(supernet, arch);
  apq::ImageTensors data;
  data.images = torch::randn({images, spec.in_channels, spec.image_size, spec.image_size});
  data.labels = torch::randint(0, spec.num_classes, {images}, torch::kLong);
  const auto calib = data.images.slice(0, 0, std::min(images, 500));
  const apq::ForwardFn forward = [&](const torch::Tensor& x) { return net->forward(x); };
  apq::calibrate_batch_norm(*net, forward, calib, 250);
  const apq::FoldedSubnet folded(*net);
  const apq::ForwardFn folded_forward = [&](const torch::Tensor& x) { return folded.forward(x); };

  std::printf("eval bench: median subnet %.2f MMACs, %d images per pass, %d thread(s)\n  arch %s\n",
              median_net.macs / 1e6, images, threads, apq::to_string(space, arch).c_str());
  const auto base = interleaved({[&] { previous_evaluate(*net, data, 500); },
                                 [&] { apq::evaluate(*net, folded_forward, data, 500); }},
                                images, seconds);
  std::printf("%-44s %10.0f img/s\n", "previous (conv + BN, sync per batch), batch 500", base[0]);
  std::printf("%-44s %10.0f img/s   %.2fx\n", "folded + inference mode, batch 500", base[1], base[1] / base[0]);
  // How far from the machine's fp32 ceiling each path runs (2 FLOPs per MAC of the subnet).
  const double gemm = apq::bench::gemm_gflops(wall_now);
  const auto gflops = [&](double images_per_second) { return 2.0 * median_net.macs * images_per_second / 1e9; };
  std::printf("compute: previous %.1f GFLOP/s, folded %.1f GFLOP/s = %.2f and %.2f of a 1024^2 sgemm (%.1f GFLOP/s, same "
              "run); 2x the previous path needs %.2f of it\n",
              gflops(base[0]), gflops(base[1]), gflops(base[0]) / gemm, gflops(base[1]) / gemm, gemm,
              2 * gflops(base[0]) / gemm);
  if (apq::bf16_inference_supported()) {  // collect-fp.precision = bf16
    const apq::FoldedSubnet bf16 = folded.to(torch::kBFloat16);
    const apq::ForwardFn bf16_forward = [&](const torch::Tensor& x) { return bf16.forward(x); };
    const auto b16 = interleaved({[&] { previous_evaluate(*net, data, 500); },
                                  [&] { apq::evaluate(*net, folded_forward, data, 500); },
                                  [&] { apq::evaluate(*net, bf16_forward, data, 500); }},
                                 images, seconds);
    std::printf("folded in bf16 (collect-fp.precision = bf16), batch 500 %6.0f img/s   %.2fx (%.2fx folded fp32)\n", b16[2],
                b16[2] / b16[0], b16[2] / b16[1]);
  } else {
    std::printf("folded in bf16: not measured, this CPU has no AVX512-BF16\n");
  }
  for (int batch : {125, 250, 1000, 2000}) {
    const auto s = interleaved({[&] { previous_evaluate(*net, data, 500); },
                                [&] { apq::evaluate(*net, folded_forward, data, batch); }},
                               images, seconds / 2);
    std::printf("folded + inference mode, batch %-13d %10.0f img/s   %.2fx\n", batch, s[1], s[1] / s[0]);
  }
  const int64_t n_calib = calib.size(0);
  const auto cal = interleaved({[&] { previous_evaluate(*net, data, 500); },
                                [&] { apq::calibrate_batch_norm(*net, forward, calib, 250); }},
                               images, seconds / 2);
  std::printf("BN re-calibration (cumulative, one pass, batch 250): %.0f img/s (%.2fx the previous evaluation)\n",
              cal[1] * static_cast<double>(n_calib) / images, cal[1] * static_cast<double>(n_calib) / images / cal[0]);
  return 0;
}
