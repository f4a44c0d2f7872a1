#include "kernels/evaluation.hpp"

#include <algorithm>
#include <stdexcept>

namespace apq {

SubnetScore evaluate(torch::nn::Module& module, const ForwardFn& forward, const ImageTensors& data, int64_t batch_size,
                     int64_t max_images) {
  if (batch_size <= 0) throw std::invalid_argument("evaluation: batch size must be positive");
  const int64_t n = max_images > 0 ? std::min(max_images, data.size()) : data.size();
  if (n <= 0) throw std::invalid_argument("evaluation: no images");
  module.eval();
  torch::NoGradGuard no_grad;
  int64_t correct = 0;
  double loss_sum = 0.0;
  for (int64_t begin = 0; begin < n; begin += batch_size) {
    const Batch batch = slice_batch(data, begin, std::min(begin + batch_size, n));
    const auto logits = forward(batch.images);
    correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
  }
  SubnetScore score;
  score.images = n;
  score.top1 = static_cast<double>(correct) / static_cast<double>(n);
  score.loss = loss_sum / static_cast<double>(n);
  return score;
}

}  // namespace apq
