// The search tests' shared ground: the APQ-size Fashion-MNIST space, a SYNTHETIC accuracy as
// fitness (testing/synthetic_accuracy.hpp) and the stand-in costs.
#pragma once
#include <gtest/gtest.h>

#include "kernels/evolution.hpp"
#include "testing/synthetic_accuracy.hpp"
#include "tests/kernels/search_test_costs.hpp"

namespace apq {

class SyntheticSearchTest : public ::testing::Test {
 protected:
  SearchSpace space{default_fmnist_space()};
  SyntheticAccuracy truth{space, 3};
  FitnessFn fitness = [this](const std::vector<Individual>& pop) {
    std::vector<float> out;
    for (const Individual& ind : pop) out.push_back(static_cast<float>(truth.quantized(ind.arch, ind.policy)));
    return out;
  };
  CostFn cost = [this](const Arch& a, const Policy& p) { return stand_in_costs(space, a, p); };
};

}  // namespace apq
