// Quantization and cost-model benchmark, every figure against a baseline of the same run:
//   1. fine-tune speed (img/s) of the fake-quantized subnet vs full-precision training of the same
//      subnet (same loop, data, batch and optimizer), alternated to even out machine noise;
//   2. cost evaluation: the precomputed lookup (CostModel::costs) vs pricing every layer;
//   3. the BitFusion-style model and the host-measured table for the smallest and largest nets.
// Usage: quant_bench [--steps N] [--batch B] [--threads T] [--rounds R] [--data DIR]

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "app/process.hpp"
#include "io/image_data.hpp"
#include "kernels/bitfusion_model.hpp"
#include "kernels/cost_model.hpp"
#include "kernels/host_latency.hpp"
#include "kernels/quant_subnet.hpp"
#include "kernels/supernet.hpp"

using namespace apq;

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

ImageSet load_images(const std::string& dir, int count) {
  try {
    return first_n(read_idx(dir + "/train-images-idx3-ubyte.gz", dir + "/train-labels-idx1-ubyte.gz"), count);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quant_bench: %s\n", e.what());
    std::exit(2);
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  apq::tune_allocator();
  int steps = 30, batch = 64, threads = 1, rounds = 3;
  std::string data_dir = "/usr/share/datasets/fashion-mnist";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string key = argv[i];
    if (key == "--steps") steps = std::atoi(argv[i + 1]);
    else if (key == "--batch") batch = std::atoi(argv[i + 1]);
    else if (key == "--threads") threads = std::atoi(argv[i + 1]);
    else if (key == "--rounds") rounds = std::atoi(argv[i + 1]);
    else if (key == "--data") data_dir = argv[i + 1];
    else {
      std::fprintf(stderr, "quant_bench: unknown option %s\n", key.c_str());
      return 2;
    }
  }
  if (steps < 1 || batch < 1 || threads < 1 || rounds < 1) {
    std::fprintf(stderr, "quant_bench: steps, batch, threads and rounds must be positive\n");
    return 2;
  }
  torch::set_num_threads(threads);
  const SearchSpace space(default_fmnist_space());
  const auto supernet = std::make_shared<Supernet>(space, 1);
  Rng rng(2);
  const Arch arch = space.sample(rng);
  const Policy policy = space.sample_policy(arch, rng);
  const auto subnet = extract_subnet(*supernet, arch);
  const ImageSet images = load_images(data_dir, std::max(steps * batch, 1024));
  const NormStats stats = norm_stats(images);
  const ImageTensors data = to_tensors(images, Normalisation{stats.mean, stats.stddev});
  std::printf("threads %d, batch %d, %d steps per run, %d rounds\narch   %s\npolicy %s\n", threads, batch, steps,
              rounds, to_string(space, arch).c_str(), to_string(space, arch, policy).c_str());

  // 1. Fine-tune speed: float training vs fake-quantized training of the same subnet.
  FinetuneConfig config;
  config.steps = steps;
  config.batch_size = batch;
  std::vector<double> fp_rate, q_rate;
  for (int r = 0; r < rounds; ++r) {
    const auto fp = extract_subnet(*supernet, arch);  // a fresh copy each round
    fp_rate.push_back(finetune(*fp, [&](const torch::Tensor& x) { return fp->forward(x); }, data, config, r).images_per_second);
    auto q = std::make_shared<QuantSubnet>(*subnet, space, policy);
    calibrate_activation_ranges(*q, [&] { q->forward(data.images.slice(0, 0, 256)); });
    q_rate.push_back(finetune(*q, [&](const torch::Tensor& x) { return q->forward(x); }, data, config, r).images_per_second);
    std::printf("round %d: full precision %.1f img/s, fake-quantized %.1f img/s\n", r + 1, fp_rate.back(), q_rate.back());
  }
  std::printf("fine-tune speed (median): full precision %.1f img/s, fake-quantized %.1f img/s, ratio quantized/fp %.2f\n",
              median(fp_rate), median(q_rate), median(q_rate) / median(fp_rate));

  // 2. Cost evaluation speed: precomputed per-slot lookups vs pricing each layer from the table.
  const CostTable bitfusion = bitfusion_table(space);
  const CostModel model(space, bitfusion);
  std::vector<Arch> archs;
  std::vector<Policy> policies;
  for (int i = 0; i < 2000; ++i) {
    archs.push_back(space.sample(rng));
    policies.push_back(space.sample_policy(archs.back(), rng));
  }
  double sink = 0;
  auto start = std::chrono::steady_clock::now();
  for (int rep = 0; rep < 50; ++rep)
    for (std::size_t i = 0; i < archs.size(); ++i) sink += model.costs(archs[i], policies[i]).latency_ms;
  const double fast_us = seconds_since(start) / (50.0 * archs.size()) * 1e6;
  start = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < archs.size(); ++i)
    sink += layer_costs(network_layers(space, archs[i], policies[i]), &bitfusion).latency_ms;
  const double slow_us = seconds_since(start) / archs.size() * 1e6;
  std::printf("cost evaluation: lookup %.3f us per child, per-layer pricing %.3f us, speed-up %.1fx (checksum %.3g)\n",
              fast_us, slow_us, slow_us / fast_us, sink);

  // 3. The two ways to fill the table, on the smallest and largest nets.
  start = std::chrono::steady_clock::now();
  const CostTable host = host_latency_table(space);
  const double host_s = seconds_since(start);
  const CostModel host_model(space, host);
  std::printf("host table: %zu entries (%zu distinct shapes timed) in %.1f s\n", host.size(),
              space_layer_shapes(space).size(), host_s);
  for (const Arch& a : {space.smallest(), space.largest()})
    for (int bits : {4, 8}) {
      const Policy p = space.uniform_policy(a, bits);
      const Costs bf = model.costs(a, p), h = host_model.costs(a, p);
      std::printf("%-8s %d bits: MACs %.3g, BitOps %.3g | BitFusion %.4f ms %.5f mJ | host fp32 %.4f ms\n",
                  a == space.smallest() ? "smallest" : "largest", bits, bf.macs, bf.bitops, bf.latency_ms, bf.energy_mj,
                  h.latency_ms);
    }
  return 0;
}
