#include "kernels/compute_threads.hpp"

#include <ATen/Parallel.h>

#include <stdexcept>
#include <string>

namespace apq {

void set_compute_threads(int threads) {
  if (threads < 1) throw std::invalid_argument("compute threads must be at least 1, got " + std::to_string(threads));
  at::set_num_threads(threads);
}

int compute_threads() { return at::get_num_threads(); }

}  // namespace apq
