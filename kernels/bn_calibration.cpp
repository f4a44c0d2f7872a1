#include "kernels/bn_calibration.hpp"

#include <stdexcept>
#include <vector>

#include "base/rng.hpp"

namespace apq {

std::vector<int> calibration_indices(int64_t n, int64_t count, std::uint64_t seed) {
  if (count <= 0) throw std::invalid_argument("bn calibration: image count must be positive");
  std::vector<int> order(n);
  for (int64_t i = 0; i < n; ++i) order[i] = static_cast<int>(i);
  if (count >= n) return order;
  // Partial Fisher-Yates: the first `count` entries of a seeded permutation.
  Rng rng(derive_seed(seed, stream_tag("bn-calib"), 0));
  for (int64_t i = 0; i < count; ++i) std::swap(order[i], order[i + rng.below(static_cast<int>(n - i))]);
  order.resize(count);
  return order;
}

torch::Tensor calibration_images(const ImageTensors& data, int64_t count, std::uint64_t seed) {
  const auto order = calibration_indices(data.size(), count, seed);
  return data.images_at({order.begin(), order.end()});
}

void calibrate_batch_norm(torch::nn::Module& module, const ForwardFn& forward, const torch::Tensor& images,
                          int64_t batch_size) {
  if (batch_size <= 0) throw std::invalid_argument("bn calibration: batch size must be positive");
  if (!images.defined() || images.size(0) == 0) throw std::invalid_argument("bn calibration: no images");
  std::vector<std::shared_ptr<torch::nn::BatchNorm2dImpl>> bns;
  for (const auto& m : module.modules())
    if (auto bn = std::dynamic_pointer_cast<torch::nn::BatchNorm2dImpl>(m)) bns.push_back(bn);
  if (bns.empty()) throw std::invalid_argument("bn calibration: the module has no BatchNorm2d");
  std::vector<c10::optional<double>> momenta;
  for (auto& bn : bns) {
    momenta.push_back(bn->options.momentum());
    bn->options.momentum(c10::nullopt);  // cumulative average over the calibration batches
    bn->reset_running_stats();
  }
  module.train();
  {
    torch::NoGradGuard no_grad;
    for (int64_t begin = 0; begin < images.size(0); begin += batch_size)
      forward(images.slice(0, begin, std::min(begin + batch_size, images.size(0))));
  }
  for (std::size_t i = 0; i < bns.size(); ++i) bns[i]->options.momentum(momenta[i]);
  module.eval();
}

}  // namespace apq
