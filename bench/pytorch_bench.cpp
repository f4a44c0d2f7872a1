// This project against plain PyTorch, side by side: the median-MACs subnet of the default
// Fashion-MNIST space with a mixed policy is exported once (final.h5 layout plus the images and
// reference logits), then evaluated (float and fake-quantized), BN-re-calibrated and fine-tuned
// with quantization by this project's kernels and by bench/pytorch_baseline.py (Debian's
// python3-torch, torch's own fake-quantize ops), same batch sizes, same threads, in one run:
// C++, then Python, then C++ again (the two C++ medians averaged against machine drift). PyTorch
// runs twice: plain (default NCHW layout, default allocator) and tuned (channels_last, and the
// malloc settings this project's processes use); both ratios are printed.
//   build/bench/pytorch_bench [--threads 1] [--images 2000] [--seconds 4] [--steps 20]
//                             [--export-only FILE]   (write the exported subnet and stop)
#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "app/process.hpp"
#include "base/rng.hpp"
#include "bench/median_subnet.hpp"
#include "io/final_store.hpp"
#include "kernels/bn_calibration.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/evaluation.hpp"
#include "kernels/folded_quant_subnet.hpp"
#include "kernels/folded_subnet.hpp"
#include "kernels/model_state.hpp"
#include "kernels/quant_subnet.hpp"
#include "kernels/supernet.hpp"
#include "pipeline/final_models.hpp"

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Median images/s of `pass` (which handles `images` images) over repeated passes for `seconds`.
double images_per_second(const std::function<void()>& pass, int64_t images, double seconds) {
  pass();  // warm-up
  std::vector<double> speeds;
  const auto t0 = Clock::now();
  while (seconds_since(t0) < seconds || speeds.size() < 3) {
    const auto start = Clock::now();
    pass();
    speeds.push_back(static_cast<double>(images) / seconds_since(start));
  }
  std::sort(speeds.begin(), speeds.end());
  return speeds[speeds.size() / 2];
}

std::vector<float> values_of(const torch::Tensor& t) {
  const torch::Tensor c = t.contiguous().to(torch::kFloat);
  return {c.data_ptr<float>(), c.data_ptr<float>() + c.numel()};
}

std::vector<std::int64_t> shape_of(const torch::Tensor& t) { return t.sizes().vec(); }

// "pytorch <name> <value>" lines of the script's output.
std::map<std::string, double> run_python(const std::string& command) {
  std::map<std::string, double> out;
  FILE* pipe = popen(command.c_str(), "r");
  if (!pipe) return out;
  char line[512];
  while (std::fgets(line, sizeof line, pipe)) {
    std::fputs(("  python: " + std::string(line)).c_str(), stdout);
    char name[64];
    double value = 0;
    if (std::sscanf(line, "pytorch %63s %lf", name, &value) == 2) out[name] = value;
  }
  if (pclose(pipe) != 0) out.clear();
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  apq::ensure_passive_openmp(argv);
  apq::tune_allocator();
  int threads = 1, images = 2000, steps = 20;
  double seconds = 4.0;
  std::string export_only;  // write the exported file there and stop (to run the script by hand)
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else if (flag == "--images") images = std::atoi(argv[i + 1]);
    else if (flag == "--seconds") seconds = std::atof(argv[i + 1]);
    else if (flag == "--steps") steps = std::atoi(argv[i + 1]);
    else if (flag == "--export-only") export_only = argv[i + 1];
    else {
      std::fprintf(stderr, "pytorch_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  apq::set_compute_threads(threads);
  const int eval_batch = 500, bn_batch = 250, bn_images = 500, batch = 64;

  // The subnet, its BN statistics and activation ranges, as collect-quant prepares an item.
  const apq::SearchSpace space(apq::default_fmnist_space());
  const auto& spec = space.spec();
  apq::Supernet supernet(space, 1);
  const apq::Arch arch = apq::bench::median_subnet(space).arch;
  apq::Rng rng(5);
  const apq::Policy policy = space.sample_policy(arch, rng);
  torch::manual_seed(1);
  apq::ImageTensors data;
  data.images = torch::randn({images, spec.in_channels, spec.image_size, spec.image_size});
  data.labels = torch::randint(0, spec.num_classes, {images}, torch::kLong);
  const torch::Tensor calib = data.images.slice(0, 0, bn_images);
  auto net = apq::extract_subnet(supernet, arch);
  const apq::ForwardFn forward = [&](const torch::Tensor& x) { return net->forward(x); };
  apq::calibrate_batch_norm(*net, forward, calib, bn_batch);
  auto quant = std::make_shared<apq::QuantSubnet>(*net, space, policy);
  const apq::ForwardFn quant_forward = [&](const torch::Tensor& x) { return quant->forward(x); };
  apq::calibrate_activation_ranges(*quant, [&] { quant_forward(calib.slice(0, 0, 256)); });

  // Export once: the final.h5 layout users read, plus the images and reference logits.
  const std::string file =
      export_only.empty() ? "/tmp/apq_pytorch_bench_" + std::to_string(::getpid()) + ".h5" : export_only;
  {
    apq::FinalEntry entry;
    entry.arch = apq::to_string(space, arch);
    entry.policy = apq::to_string(space, arch, policy);
    apq::append_module_state(*quant, "", entry.state_dict);
    entry.blocks = apq::final_blocks(space, arch, policy);
    entry.input_stddev = 1.0f;
    apq::RunMeta meta;
    meta.space = "pytorch_bench";
    apq::add_final_entry(file, meta, entry);
    torch::NoGradGuard no_grad;
    const torch::Tensor head = data.images.slice(0, 0, 100);
    apq::h5::File out = apq::h5::File::open_rw(file);
    out.write("bench/images", shape_of(data.images), values_of(data.images));
    out.write("bench/labels", shape_of(data.labels), std::vector<std::int32_t>(data.labels.data_ptr<int64_t>(),
                                                                            data.labels.data_ptr<int64_t>() + images));
    const torch::Tensor logits = net->forward(head), logits_q = quant->forward(head);
    out.write("bench/logits", shape_of(logits), values_of(logits));
    out.write("bench/logits_quantized", shape_of(logits_q), values_of(logits_q));
  }

  if (!export_only.empty()) return 0;
  const apq::FoldedSubnet folded(*net);
  const apq::ForwardFn folded_forward = [&](const torch::Tensor& x) { return folded.forward(x); };
  const apq::FoldedQuantSubnet folded_quant(*quant);  // what collect-quant and finalize evaluate with
  const apq::ForwardFn folded_quant_forward = [&](const torch::Tensor& x) { return folded_quant.forward(x); };
  double training_form = 0.0;  // the quantized evaluation through QuantSubnet::forward, summed over both rounds
  apq::QuantEvalConfig qc;
  apq::FinetuneConfig ft;
  ft.steps = steps;
  ft.batch_size = batch;
  auto measure = [&] {
    std::map<std::string, double> s;
    s["eval"] = images_per_second([&] { apq::evaluate(*net, folded_forward, data, eval_batch); }, images, seconds);
    s["eval-quant"] =
        images_per_second([&] { apq::evaluate(*quant, folded_quant_forward, data, eval_batch); }, images, seconds);
    training_form += images_per_second([&] { apq::evaluate(*quant, quant_forward, data, eval_batch); }, images, seconds);
    s["bn"] = images_per_second([&] { apq::calibrate_batch_norm(*net, forward, calib, bn_batch); }, bn_images, seconds);
    s["finetune"] = images_per_second([&] { apq::finetune(*quant, quant_forward, data, ft, 7); }, int64_t{steps} * batch,
                                      seconds);
    return s;
  };

  std::printf("pytorch bench: median subnet of the default space, policy %s, %d images, %d thread(s)\n",
              apq::to_string(space, arch, policy).c_str(), images, threads);
  const auto first = measure();
  const std::string script = std::string(APQ_SOURCE_DIR) + "/bench/pytorch_baseline.py";
  const std::string args = " " + file + " --threads " + std::to_string(threads) + " --stem-stride " +
                           std::to_string(spec.stem_stride) + " --seconds " + std::to_string(seconds) + " --steps " +
                           std::to_string(steps);
  const auto plain = run_python("/usr/bin/python3 " + script + args);
  // Tuned: channels_last, and glibc malloc kept from returning large blocks to the system after
  // every op (the settings this project's processes use, app/process.cpp).
  const auto tuned = run_python("env MALLOC_MMAP_THRESHOLD_=33554432 MALLOC_TRIM_THRESHOLD_=1073741824 "
                                "MALLOC_TOP_PAD_=67108864 /usr/bin/python3 " + script + args + " --channels-last");
  const auto second = measure();
  std::remove(file.c_str());
  if (plain.size() != first.size() || tuned.size() != first.size()) {
    std::fprintf(stderr, "pytorch_bench: the Python baseline failed (needs Debian's python3-torch and python3-h5py)\n");
    return 1;
  }
  const std::map<std::string, std::string> what = {
      {"eval", "evaluation, float (batch 500)"},
      {"eval-quant", "evaluation, fake-quantized, folded (batch 500)"},
      {"bn", "BN re-calibration (500 images, batch 250)"},
      {"finetune", "QAT fine-tune (batch 64, steps of " + std::to_string(steps) + ")"}};
  std::printf("%-42s %12s %14s %14s %10s %10s\n", "images/s", "this project", "PyTorch plain", "PyTorch tuned",
              "vs plain", "vs tuned");
  for (const auto& [name, label] : what) {
    const double ours = 0.5 * (first.at(name) + second.at(name));
    std::printf("%-42s %12.0f %14.0f %14.0f %9.2fx %9.2fx\n", label.c_str(), ours, plain.at(name), tuned.at(name),
                ours / plain.at(name), ours / tuned.at(name));
  }
  std::printf("fake-quantized evaluation, folded against the training form (QuantSubnet::forward): %.0f against %.0f "
              "images/s, %.2fx\n",
              0.5 * (first.at("eval-quant") + second.at("eval-quant")), 0.5 * training_form,
              (first.at("eval-quant") + second.at("eval-quant")) / training_form);
  return 0;
}
