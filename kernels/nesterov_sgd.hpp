// SGD with Nesterov momentum and decoupled-from-the-graph weight decay, with its state in plain
// view (one momentum buffer per parameter) so checkpoints and channel re-ordering can reach it.
// Same update as torch.optim.SGD(nesterov=True):
//   g = grad + wd * p (wd only for decayed parameters); buf = momentum * buf + g;
//   p -= lr * (g + momentum * buf).
// Torch header.
#pragma once
#include <torch/torch.h>

#include <string>
#include <vector>

namespace apq {

class NesterovSgd {
 public:
  // Parameters in named_parameters() order; decay[i] says whether weight decay applies.
  NesterovSgd(std::vector<std::string> names, std::vector<torch::Tensor> params, std::vector<bool> decay,
              double momentum, double weight_decay);

  // grads[i] matches params[i] in shape (any layout).
  void step(const std::vector<torch::Tensor>& grads, double lr);

  // Applies a permutation along dim to the momentum buffer of param (matched by identity).
  void permute_state(const torch::Tensor& param, int64_t dim, const torch::Tensor& index);

  const std::vector<std::string>& names() const { return names_; }
  const std::vector<torch::Tensor>& params() const { return params_; }
  std::vector<torch::Tensor>& momentum_buffers() { return buffers_; }
  const std::vector<torch::Tensor>& momentum_buffers() const { return buffers_; }

 private:
  std::vector<std::string> names_;
  std::vector<torch::Tensor> params_, buffers_;
  std::vector<bool> decay_;
  double momentum_, weight_decay_;
};

}  // namespace apq
