#include "kernels/encoding.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace apq {
namespace {

int index_of(const std::vector<int>& choices, int value, const char* what, int slot) {
  const auto it = std::find(choices.begin(), choices.end(), value);
  if (it == choices.end())
    throw std::invalid_argument(std::string("encoding: block ") + std::to_string(slot + 1) + " " + what + " " +
                                std::to_string(value) + " is not a choice of the space");
  return static_cast<int>(it - choices.begin());
}

// Reads one one-hot group of `n` entries at `code[at]`: returns the hot index, -1 when all zero.
int read_one_hot(const std::vector<float>& code, int at, int n, const char* what, int slot) {
  int hot = -1;
  for (int i = 0; i < n; ++i) {
    const float v = code[at + i];
    if (v == 0.0f) continue;
    if (v != 1.0f || hot >= 0)
      throw std::invalid_argument(std::string("encoding: block ") + std::to_string(slot + 1) + " " + what + " is not one-hot");
    hot = i;
  }
  return hot;
}

}  // namespace

Encoding::Encoding(const SearchSpace& space) : space_(&space) {
  const int nk = static_cast<int>(space.spec().kernels.size());
  for (const BlockSlot& slot : space.slots()) {
    arch_offset_.push_back(arch_size_);
    arch_size_ += nk + static_cast<int>(slot.mid_choices.size());
  }
  policy_size_ = space.num_slots() * 4 * static_cast<int>(space.spec().bits.size());
}

void Encoding::arch_hot(const Arch& arch, std::vector<int>& out) const {
  out.clear();
  const auto& kernels = space_->spec().kernels;
  const int nk = static_cast<int>(kernels.size());
  for (int i = 0; i < space_->num_slots(); ++i) {
    if (!space_->is_active(arch, i)) continue;
    out.push_back(arch_offset_[i] + index_of(kernels, arch.kernel[i], "kernel", i));
    out.push_back(arch_offset_[i] + nk + index_of(space_->slots()[i].mid_choices, arch.mid[i], "width", i));
  }
}

void Encoding::policy_hot(const Arch& arch, const Policy& policy, std::vector<int>& out) const {
  out.clear();
  const auto& bits = space_->spec().bits;
  const int nb = static_cast<int>(bits.size());
  for (int i = 0; i < space_->num_slots(); ++i) {
    if (!space_->is_active(arch, i)) continue;
    const BlockBits& b = policy.blocks[i];
    const int base = i * 4 * nb;
    out.push_back(base + 0 * nb + index_of(bits, b.pw_w, "1x1 weight bits", i));
    out.push_back(base + 1 * nb + index_of(bits, b.pw_a, "1x1 activation bits", i));
    out.push_back(base + 2 * nb + index_of(bits, b.dw_w, "depthwise weight bits", i));
    out.push_back(base + 3 * nb + index_of(bits, b.dw_a, "depthwise activation bits", i));
  }
}

std::vector<float> Encoding::encode_arch(const Arch& arch) const {
  std::vector<int> hot;
  arch_hot(arch, hot);
  std::vector<float> code(arch_size_, 0.0f);
  for (int h : hot) code[h] = 1.0f;
  return code;
}

std::vector<float> Encoding::encode_policy(const Arch& arch, const Policy& policy) const {
  std::vector<int> hot;
  policy_hot(arch, policy, hot);
  std::vector<float> code(policy_size_, 0.0f);
  for (int h : hot) code[h] = 1.0f;
  return code;
}

Arch Encoding::decode_arch(const std::vector<float>& code) const {
  if (static_cast<int>(code.size()) != arch_size_)
    throw std::invalid_argument("encoding: architecture vector has " + std::to_string(code.size()) +
                                " entries, expected " + std::to_string(arch_size_));
  const auto& kernels = space_->spec().kernels;
  const int nk = static_cast<int>(kernels.size());
  Arch arch;
  arch.depth.assign(space_->num_stages(), 0);
  arch.kernel.assign(space_->num_slots(), 0);
  arch.mid.assign(space_->num_slots(), 0);
  for (int i = 0; i < space_->num_slots(); ++i) {
    const BlockSlot& slot = space_->slots()[i];
    const int k = read_one_hot(code, arch_offset_[i], nk, "kernel", i);
    const int m = read_one_hot(code, arch_offset_[i] + nk, static_cast<int>(slot.mid_choices.size()), "width", i);
    if ((k < 0) != (m < 0)) throw std::invalid_argument("encoding: block " + std::to_string(i + 1) + " has a kernel or a width but not both");
    if (k < 0) continue;
    if (arch.depth[slot.stage] != slot.index)
      throw std::invalid_argument("encoding: block " + std::to_string(i + 1) + " is active after a skipped block");
    arch.depth[slot.stage] = slot.index + 1;
    arch.kernel[i] = kernels[k];
    arch.mid[i] = slot.mid_choices[m];
  }
  space_->check(arch);
  return arch;
}

Policy Encoding::decode_policy(const Arch& arch, const std::vector<float>& code) const {
  if (static_cast<int>(code.size()) != policy_size_)
    throw std::invalid_argument("encoding: policy vector has " + std::to_string(code.size()) +
                                " entries, expected " + std::to_string(policy_size_));
  const auto& bits = space_->spec().bits;
  const int nb = static_cast<int>(bits.size());
  Policy policy;
  policy.blocks.assign(space_->num_slots(), BlockBits{0, 0, 0, 0});
  for (int i = 0; i < space_->num_slots(); ++i) {
    int hot[4];
    for (int g = 0; g < 4; ++g) hot[g] = read_one_hot(code, (i * 4 + g) * nb, nb, "bits", i);
    const bool active = space_->is_active(arch, i);
    for (int g = 0; g < 4; ++g)
      if ((hot[g] >= 0) != active)
        throw std::invalid_argument("encoding: block " + std::to_string(i + 1) + " policy does not match the architecture's depth");
    if (active) policy.blocks[i] = BlockBits{bits[hot[0]], bits[hot[1]], bits[hot[2]], bits[hot[3]]};
  }
  space_->check(arch, policy);
  return policy;
}

}  // namespace apq
