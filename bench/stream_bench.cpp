// Streamed image sets (data.stream): the cost of gathering a training batch of random images and
// an evaluation slice from an HDF5 file, against the same set held in memory (the baseline), in
// the same run, interleaved. The file is freshly written, so it is in the page cache: this
// measures HDF5's and the copy's cost, not a disk's.
//   build/bench/stream_bench [--images 60000] [--side 28] [--batch 128] [--rounds 5]
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "base/rng.hpp"
#include "io/image_data.hpp"
#include "io/streamed_images.hpp"
#include "kernels/batches.hpp"
#include "kernels/compute_threads.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

int arg(int argc, char** argv, const std::string& name, int fallback) {
  for (int i = 1; i + 1 < argc; ++i)
    if (argv[i] == name) return std::atoi(argv[i + 1]);
  return fallback;
}

apq::ImageSet random_set(int count, int side) {
  apq::ImageSet set;
  set.count = count;
  set.channels = 1;
  set.height = set.width = side;
  set.num_classes = 10;
  apq::Rng rng(3);
  set.pixels.resize(static_cast<std::size_t>(count) * side * side);
  for (auto& p : set.pixels) p = static_cast<std::uint8_t>(rng.below(256));
  for (int i = 0; i < count; ++i) set.labels.push_back(rng.below(10));
  return set;
}

// Microseconds per batch: `batches` shuffled training batches, then evaluation slices over the set.
struct Cost {
  double train_us = 0, eval_us = 0;
};
Cost time_batches(const apq::ImageTensors& data, int batch, int batches) {
  apq::BatchPlan plan(data.size(), batch, 11);
  apq::Augmentation aug;
  aug.enabled = true;
  double sink = 0;
  auto t0 = Clock::now();
  for (int s = 0; s < batches; ++s) {
    const auto indices = plan.batch_indices(s);
    sink += apq::gather_batch(data, indices, {0, batch}, aug, 5, s).images[0][0][0][0].item<float>();
  }
  Cost cost;
  cost.train_us = 1e6 * seconds_since(t0) / batches;
  t0 = Clock::now();
  int slices = 0;
  for (int64_t begin = 0; begin + 500 <= data.size(); begin += 500, ++slices)
    sink += apq::slice_batch(data, begin, begin + 500).images[0][0][0][0].item<float>();
  cost.eval_us = 1e6 * seconds_since(t0) / std::max(1, slices);
  if (sink == 12345.678) std::puts("");  // keeps the work observable
  return cost;
}

}  // namespace

int main(int argc, char** argv) {
  const int images = arg(argc, argv, "--images", 60000), side = arg(argc, argv, "--side", 28);
  const int batch = arg(argc, argv, "--batch", 128), rounds = arg(argc, argv, "--rounds", 5);
  apq::set_compute_threads(1);
  const auto dir = std::filesystem::temp_directory_path() / "apq-stream-bench";
  std::filesystem::create_directories(dir);
  const apq::ImageSet set = random_set(images, side);
  const std::string contiguous = (dir / "contiguous.h5").string(), chunked = (dir / "chunked.h5").string();
  apq::write_image_set(contiguous, set, 0);
  apq::write_image_set(chunked, set, 1);
  const apq::Normalisation norm{0.5f, 0.3f};
  const apq::ImageTensors memory = apq::to_tensors(set, norm);
  const apq::ImageTensors streamed = apq::to_tensors(apq::stream_image_set(contiguous, 32 << 20), norm);
  const apq::ImageTensors compressed = apq::to_tensors(apq::stream_image_set(chunked, 32 << 20), norm);
  std::printf("stream_bench: %d images of 1x%dx%d, training batches of %d (augmented), evaluation slices of 500\n",
              images, side, side, batch);
  std::printf("%-28s %14s %10s %14s %10s\n", "source", "train us/batch", "/ memory", "eval us/slice", "/ memory");
  const int batches = std::max(1, images / batch);
  std::vector<Cost> m, s, c;
  for (int r = 0; r < rounds; ++r) {  // interleaved: the machine's noise hits all three alike
    m.push_back(time_batches(memory, batch, batches));
    s.push_back(time_batches(streamed, batch, batches));
    c.push_back(time_batches(compressed, batch, batches));
  }
  auto median = [](std::vector<Cost> v, double Cost::*field) {
    std::sort(v.begin(), v.end(), [&](const Cost& a, const Cost& b) { return a.*field < b.*field; });
    return v[v.size() / 2].*field;
  };
  const double mt = median(m, &Cost::train_us), me = median(m, &Cost::eval_us);
  for (auto [name, costs] : {std::pair{"in memory (baseline)", &m}, {"streamed, contiguous", &s},
                             {"streamed, deflate chunks", &c}}) {
    const double t = median(*costs, &Cost::train_us), e = median(*costs, &Cost::eval_us);
    std::printf("%-28s %14.1f %10.2f %14.1f %10.2f\n", name, t, t / mt, e, e / me);
  }
  std::filesystem::remove_all(dir);
  return 0;
}
