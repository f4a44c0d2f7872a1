// A tiny two-stage space and an exception matcher shared by the space, encoding and cost tests.
#pragma once
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "kernels/search_space.hpp"

namespace apq::test {

inline SpaceSpec tiny_two_stage_spec() {
  SpaceSpec spec;
  spec.stem_width = 8;
  spec.first_block_width = 8;
  spec.stages = {{8, 2, {1, 2}}, {16, 2, {1, 2}}};
  spec.kernels = {3, 5};
  spec.expands = {2, 3};
  spec.head_width = 32;
  spec.bits = {4, 8};
  return spec;
}

// f() must throw std::invalid_argument whose message contains `fragment`.
template <class F>
void expect_invalid(F f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "no exception, expected one mentioning \"" << fragment << "\"";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

}  // namespace apq::test
