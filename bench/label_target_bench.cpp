// Label targets by their split-half reliability, against the loss the labels use now, in one
// run: per-image results of many subnets of a trained supernet, written to a file that
// bench/label_targets.py (started at the end) reads. For N architectures sampled
// from the run's space, each BN re-calibrated on one fixed calibration set (the run's
// collect-fp.calib-images, drawn with seed 1) and evaluated as collect-fp does (folded,
// inference mode) on every validation image, the per-image loss,
// correct-class probability, margin (true logit minus the best other) and hit, and the loss of
// the image mirrored left to right (a second view of it, as training's augmentation makes).
//   build/bench/label_target_bench RUN_DIR [--items 200] [--out FILE] [--threads 2]
// Writes FILE (default RUN_DIR/label_targets.h5): loss, prob, margin, flipped_loss [items, images] float32,
// hit [items, images] uint8, labels [images] int32.
#include <torch/torch.h>

#include <cstdio>
#include <cstdlib>
#include <algorithm>
#include <string>
#include <vector>

#include "app/options.hpp"
#include "app/process.hpp"
#include "base/rng.hpp"
#include "io/checkpoint_store.hpp"
#include "io/hdf5_file.hpp"
#include "io/image_data.hpp"
#include "kernels/batches.hpp"
#include "kernels/bn_calibration.hpp"
#include "kernels/compute_threads.hpp"
#include "kernels/folded_subnet.hpp"
#include "kernels/prepared_images.hpp"
#include "kernels/supernet.hpp"
#include "kernels/supernet_jobs.hpp"

using namespace apq;

int main(int argc, char** argv) {
  apq::ensure_passive_openmp(argv);
  apq::tune_allocator();
  if (argc < 2) {
    std::fprintf(stderr, "usage: label_target_bench RUN_DIR [--items N] [--out FILE] [--threads T]\n");
    return 2;
  }
  const std::string run_dir = argv[1];
  int items = 200, threads = 2;
  std::string out_path = run_dir + "/label_targets.h5";
  for (int i = 2; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--items") items = std::atoi(argv[i + 1]);
    else if (flag == "--out") out_path = argv[i + 1];
    else if (flag == "--threads") threads = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "label_target_bench: unknown option %s\n", flag.c_str());
      return 2;
    }
  }
  try {
    apq::set_compute_threads(threads);
    const std::string path = run_dir + "/supernet.h5";
    const CheckpointSummary summary = read_checkpoint_summary(path);
    const RunOptions options = parse_config_text(summary.meta.config, path);
    const auto checkpoint = load_checkpoint(path, summary.meta);
    if (!checkpoint || !checkpoint->completed) throw std::runtime_error(path + ": no finished supernet");
    const SupernetHandle handle = load_supernet(options.space, checkpoint->weights);
    const DataSplits splits = load_splits(options.data);
    SupernetState& state = handle.state();
    const Normalisation norm{state.mean, state.stddev};
    PreparedImages prepared;
    const EvalOptions& eval = options.pipeline.collect_fp.eval;
    const auto calib = prepared.sample(splits.train, eval.calib_images, 1, norm);
    const auto val = prepared.whole(splits.val, norm);
    const int64_t n = val->size();
    std::vector<float> loss, prob, margin, flipped_loss;
    std::vector<std::uint8_t> hit;
    Rng rng(derive_seed(options.seed, stream_tag("label-targets"), 0));
    for (int item = 0; item < items; ++item) {
      const Arch arch = handle.space().sample(rng);
      auto subnet = extract_subnet(*state.net, arch);
      calibrate_batch_norm(*subnet, [&](const torch::Tensor& x) { return subnet->forward(x); }, calib->images,
                           eval.calib_batch);
      const FoldedSubnet folded(*subnet);
      c10::InferenceMode inference;
      std::vector<torch::Tensor> logits, flipped_logits;
      for (int64_t begin = 0; begin < n; begin += eval.eval_batch) {
        const torch::Tensor images = slice_batch(*val, begin, std::min(begin + eval.eval_batch, n)).images;
        logits.push_back(folded.forward(images));
        flipped_logits.push_back(folded.forward(images.flip({3})));
      }
      const torch::Tensor z = torch::cat(logits);
      const torch::Tensor flipped_log_p = torch::log_softmax(torch::cat(flipped_logits), 1);
      const torch::Tensor log_p = torch::log_softmax(z, 1);
      const torch::Tensor y = val->labels.view({-1, 1});
      const torch::Tensor true_logit = z.gather(1, y).squeeze(1);
      const torch::Tensor others = z.scatter(1, y, -1e30f);
      const auto append = [](std::vector<float>& to, const torch::Tensor& t) {
        const torch::Tensor c = t.to(torch::kFloat).contiguous();
        to.insert(to.end(), c.data_ptr<float>(), c.data_ptr<float>() + c.numel());
      };
      append(loss, -log_p.gather(1, y).squeeze(1));
      append(prob, log_p.gather(1, y).squeeze(1).exp());
      append(margin, true_logit - std::get<0>(others.max(1)));
      append(flipped_loss, -flipped_log_p.gather(1, y).squeeze(1));
      const torch::Tensor h = z.argmax(1).eq(val->labels).to(torch::kUInt8).contiguous();
      hit.insert(hit.end(), h.data_ptr<std::uint8_t>(), h.data_ptr<std::uint8_t>() + n);
      std::printf("label_target_bench: %d/%d %s top-1 %.4f\n", item + 1, items, to_string(handle.space(), arch).c_str(),
                  h.to(torch::kFloat).mean().item<double>());
      std::fflush(stdout);
    }
    h5::File out = h5::File::create(out_path);
    const h5::Shape shape{items, n};
    out.write("loss", shape, loss);
    out.write("prob", shape, prob);
    out.write("margin", shape, margin);
    out.write("flipped_loss", shape, flipped_loss);
    out.write("hit", shape, hit);
    std::vector<std::int32_t> labels(splits.val.labels.begin(), splits.val.labels.end());
    out.write("labels", h5::Shape{n}, labels);
    out.commit();
    std::printf("label_target_bench: wrote %s\n", out_path.c_str());
    std::fflush(stdout);
    const std::string script = std::string(APQ_SOURCE_DIR) + "/bench/label_targets.py";
    return std::system(("/usr/bin/python3 " + script + " " + out_path).c_str()) == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "label_target_bench: %s\n", e.what());
    return 1;
  }
}
