#include "kernels/host_latency.hpp"

#include <torch/torch.h>

#include <algorithm>
#include <chrono>
#include <functional>
#include <map>
#include <sstream>
#include <stdexcept>
#include <vector>

namespace apq {

double time_layer_ms(const LayerShape& s, const HostTimingOptions& o) {
  if (o.batch < 1 || o.warmup < 0 || o.repeats < 1)
    throw std::invalid_argument("host latency: batch and repeats must be at least 1, warmup at least 0");
  torch::NoGradGuard no_grad;
  torch::manual_seed(0);  // values do not matter for time, but keep runs identical
  std::function<torch::Tensor()> run;
  torch::Tensor x, w;
  if (s.type == LayerType::linear) {
    x = torch::randn({o.batch, s.in_channels});
    w = torch::randn({s.out_channels, s.in_channels});
    run = [&] { return torch::linear(x, w); };
  } else {
    x = torch::randn({o.batch, s.in_channels, s.in_size, s.in_size});
    w = torch::randn({s.out_channels, s.in_channels / s.groups, s.kernel, s.kernel});
    if (o.channels_last) {
      x = x.contiguous(at::MemoryFormat::ChannelsLast);
      w = w.contiguous(at::MemoryFormat::ChannelsLast);
    }
    const std::vector<int64_t> stride{s.stride, s.stride}, padding{s.kernel / 2, s.kernel / 2}, dilation{1, 1};
    run = [&, stride, padding, dilation] { return torch::conv2d(x, w, {}, stride, padding, dilation, s.groups); };
  }
  for (int i = 0; i < o.warmup; ++i) run();
  std::vector<double> times;
  for (int i = 0; i < o.repeats; ++i) {
    const auto start = std::chrono::steady_clock::now();
    const torch::Tensor y = run();
    const auto end = std::chrono::steady_clock::now();
    if (y.size(0) != o.batch) throw std::logic_error("host latency: unexpected output shape");
    times.push_back(std::chrono::duration<double, std::milli>(end - start).count());
  }
  std::nth_element(times.begin(), times.begin() + times.size() / 2, times.end());
  return times[times.size() / 2];
}

CostTable host_latency_table(const SearchSpace& space, const HostTimingOptions& o) {
  std::map<LayerShape, double> per_image_ms;
  for (const LayerShape& shape : space_layer_shapes(space)) per_image_ms[shape] = time_layer_ms(shape, o) / o.batch;
  std::ostringstream description;
  description << "LibTorch fp32 on this host, " << torch::get_num_threads() << " threads, batch " << o.batch
              << ", median of " << o.repeats << " runs, " << (o.channels_last ? "channels-last" : "NCHW")
              << "; bits do not change host time; energy = latency x " << o.host_watts << " W (assumed)";
  return fill_table(
      space,
      [&](const CostKey& key) {
        const double ms = per_image_ms.at(key.shape);
        return CostEntry{ms, ms * o.host_watts};  // W x ms = mJ
      },
      "host-measured", description.str());
}

}  // namespace apq
