// The predictor's input: one-hot encodings of an architecture and of a policy, as two separate
// vectors (the policy part feeds the transfer layer). Per slot, in slot order:
//   arch:   kernel one-hot (|kernels|), width one-hot (|slot.mid_choices|)
//   policy: 1x1 weight bits, 1x1 activation bits, dw weight bits, dw activation bits,
//           each one-hot over the space's bit set
// A slot skipped by the depth choice is all zeros in both. Torch-free.
#pragma once
#include <vector>

#include "kernels/search_space.hpp"

namespace apq {

class Encoding {
 public:
  explicit Encoding(const SearchSpace& space);

  int arch_size() const { return arch_size_; }
  int policy_size() const { return policy_size_; }

  std::vector<float> encode_arch(const Arch& arch) const;
  std::vector<float> encode_policy(const Arch& arch, const Policy& policy) const;
  // Positions of the ones, ascending: the predictor's first layer sums these weight rows.
  void arch_hot(const Arch& arch, std::vector<int>& out) const;
  void policy_hot(const Arch& arch, const Policy& policy, std::vector<int>& out) const;

  // Inverse of the encoders; throws std::invalid_argument on a vector that is not a valid encoding.
  Arch decode_arch(const std::vector<float>& code) const;
  Policy decode_policy(const Arch& arch, const std::vector<float>& code) const;

  const SearchSpace& space() const { return *space_; }

 private:
  const SearchSpace* space_;
  std::vector<int> arch_offset_;  // per slot: start of its kernel one-hot
  int arch_size_ = 0;
  int policy_size_ = 0;
};

}  // namespace apq
