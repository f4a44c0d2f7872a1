// The subnet the evaluation benches time: the median-MACs one of 101 random subnets of a space
// (seed 3), what a typical collect-fp item evaluates.
#pragma once
#include <algorithm>
#include <utility>
#include <vector>

#include "base/rng.hpp"
#include "kernels/layer_shapes.hpp"
#include "kernels/search_space.hpp"

namespace apq::bench {

struct MedianSubnet {
  Arch arch;
  double macs = 0;  // per image
};

inline MedianSubnet median_subnet(const SearchSpace& space) {
  Rng rng(3);
  std::vector<MedianSubnet> sampled;
  for (int i = 0; i < 101; ++i) {
    MedianSubnet s{space.sample(rng), 0.0};
    for (const auto& layer : network_layers(space, s.arch, space.uniform_policy(s.arch, 8))) s.macs += layer.macs();
    sampled.push_back(s);
  }
  std::nth_element(sampled.begin(), sampled.begin() + 50, sampled.end(),
                   [](const MedianSubnet& a, const MedianSubnet& b) { return a.macs < b.macs; });
  return sampled[50];
}

}  // namespace apq::bench
