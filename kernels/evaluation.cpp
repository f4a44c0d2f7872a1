#include "kernels/evaluation.hpp"

#include <algorithm>
#include <stdexcept>

namespace apq {
namespace {

// Sums of the per-image hits and losses at positions parity, parity + 2, ...
HalfScore half_score(const torch::Tensor& hits, const torch::Tensor& losses, int64_t parity) {
  HalfScore h;
  const int64_t n = hits.size(0);
  if (n <= parity) return h;
  h.images = (n - parity + 1) / 2;
  h.correct = hits.slice(0, parity, n, 2).sum().item<int64_t>();
  h.loss = losses.slice(0, parity, n, 2).sum().item<double>() / static_cast<double>(h.images);
  return h;
}

}  // namespace

SubnetScore evaluate(torch::nn::Module& module, const ForwardFn& forward, const ImageTensors& data, int64_t batch_size,
                     int64_t max_images) {
  if (batch_size <= 0) throw std::invalid_argument("evaluation: batch size must be positive");
  const int64_t n = max_images > 0 ? std::min(max_images, data.size()) : data.size();
  if (n <= 0) throw std::invalid_argument("evaluation: no images");
  module.eval();
  std::vector<torch::Tensor> hits, losses;
  {
    // No autograd bookkeeping at all; the per-image results stay tensors until the end, so
    // the batches run without a host synchronisation between them.
    c10::InferenceMode inference;
    for (int64_t begin = 0; begin < n; begin += batch_size) {
      const Batch batch = slice_batch(data, begin, std::min(begin + batch_size, n));
      const auto logits = forward(batch.images);
      hits.push_back(logits.argmax(1).eq(batch.labels));
      losses.push_back(torch::nn::functional::cross_entropy(
          logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone)));
    }
  }
  const torch::Tensor hit = torch::cat(hits).to(torch::kLong);
  const torch::Tensor loss = torch::cat(losses).to(torch::kDouble);
  SubnetScore score;
  score.images = n;
  score.even = half_score(hit, loss, 0);
  score.odd = half_score(hit, loss, 1);
  score.top1 = static_cast<double>(score.even.correct + score.odd.correct) / static_cast<double>(n);
  score.loss = (score.even.loss * static_cast<double>(score.even.images) +
                score.odd.loss * static_cast<double>(score.odd.images)) /
               static_cast<double>(n);
  return score;
}

}  // namespace apq
