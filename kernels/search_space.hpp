// The joint search space: architecture (depth per stage, kernel and expanded width per block)
// and mixed-precision policy (bits per block). Plain values, no LibTorch: actors, I/O and the
// evolution use these types directly.
#pragma once
#include <string>
#include <vector>

#include "base/rng.hpp"

namespace apq {

struct StageSpec {
  int width = 0;             // output channels of every block in the stage
  int stride = 1;            // stride of the stage's first block
  std::vector<int> depths;   // depth choices, e.g. {2,3,4}
};

// Everything that defines a space; read from the [space] section of a config.
struct SpaceSpec {
  int in_channels = 1;
  int image_size = 28;
  int num_classes = 10;
  int stem_width = 16;       // first conv, 3x3, fixed at 8 bits
  int stem_stride = 2;
  int first_block_width = 16;  // fixed first block (expand 1, kernel 3), fixed at 8 bits
  std::vector<StageSpec> stages;
  std::vector<int> kernels{3, 5, 7};
  std::vector<int> expands{3, 4, 6};
  // Fine-grained width: every multiple of 8 between 4x and 6x of the block input width.
  bool fine_grained_width = false;
  int head_width = 256;      // last 1x1 conv before pooling, fixed at 8 bits
  std::vector<int> bits{4, 6, 8};
};

// One searchable block position (a "slot"); slots beyond a stage's depth are inactive.
struct BlockSlot {
  int stage = 0;
  int index = 0;  // position inside the stage
  int in_channels = 0;
  int out_channels = 0;
  int stride = 1;
  int in_size = 0;  // spatial size of the block input
  std::vector<int> mid_choices;  // expanded (middle) widths, ascending
  bool residual() const { return stride == 1 && in_channels == out_channels; }  // adds its input
};

// An architecture in canonical form: one entry per slot; inactive slots hold 0.
struct Arch {
  std::vector<int> depth;   // per stage
  std::vector<int> kernel;  // per slot
  std::vector<int> mid;     // per slot: expanded channels
  bool operator==(const Arch& o) const { return depth == o.depth && kernel == o.kernel && mid == o.mid; }
  bool operator!=(const Arch& o) const { return !(*this == o); }
};

// Bits of one block: 1x1 convs' weights and activations, depthwise weights and activations.
struct BlockBits {
  int pw_w = 8, pw_a = 8, dw_w = 8, dw_a = 8;
  bool operator==(const BlockBits& o) const {
    return pw_w == o.pw_w && pw_a == o.pw_a && dw_w == o.dw_w && dw_a == o.dw_a;
  }
};

// A mixed-precision policy: one entry per slot; inactive slots hold all zeros.
struct Policy {
  std::vector<BlockBits> blocks;
  bool operator==(const Policy& o) const { return blocks == o.blocks; }
  bool operator!=(const Policy& o) const { return !(*this == o); }
};

class SearchSpace {
 public:
  // Validates the spec; throws std::invalid_argument naming the bad field.
  explicit SearchSpace(SpaceSpec spec);

  const SpaceSpec& spec() const { return spec_; }
  const std::vector<BlockSlot>& slots() const { return slots_; }
  int num_slots() const { return static_cast<int>(slots_.size()); }
  int num_stages() const { return static_cast<int>(spec_.stages.size()); }
  int first_slot(int stage) const { return stage_first_slot_[stage]; }
  int max_depth(int stage) const;
  int last_size() const { return last_size_; }  // spatial size after the last stage
  bool is_active(const Arch& arch, int slot) const;

  Arch largest() const;
  Arch smallest() const;
  Arch sample(Rng& rng) const;  // uniform over depth, kernel and width choices
  Policy sample_policy(const Arch& arch, Rng& rng) const;  // every bit width uniform over the set
  // Bit widths clustered around a level drawn per policy: the level uniform over the bit set, then
  // each width that level with probability 1/2, else uniform over the set. Independent uniform
  // widths average out (their mean varies little between policies), so a predictor trained on
  // them cannot see how accuracy depends on the overall bit level; these policies span it.
  Policy sample_leveled_policy(const Arch& arch, Rng& rng) const;
  Policy uniform_policy(const Arch& arch, int bits) const;

  // Throw std::invalid_argument describing the first violation.
  void check(const Arch& arch) const;
  void check(const Arch& arch, const Policy& policy) const;

  // Zero the inactive slots, keep the rest.
  Arch canonical(Arch arch) const;
  Policy canonical(const Arch& arch, Policy policy) const;

 private:
  SpaceSpec spec_;
  std::vector<BlockSlot> slots_;
  std::vector<int> stage_first_slot_;
  int last_size_ = 0;
};

// Readable forms, stages separated by '|':
//   arch   "k3m48 k5m64 | k7m96 k3m72 k3m72"   (kernel, middle width per active block)
//   policy "w8a8.w6a4 w4a6.w8a8 | ..."          (1x1 weights/acts . depthwise weights/acts)
std::string to_string(const SearchSpace& space, const Arch& arch);
std::string to_string(const SearchSpace& space, const Arch& arch, const Policy& policy);
// Parse the forms above against a space; throws std::invalid_argument on malformed text.
Arch parse_arch(const SearchSpace& space, const std::string& text);
Policy parse_policy(const SearchSpace& space, const Arch& arch, const std::string& text);

// The default Fashion-MNIST space (28x28 grey, 4 searchable stages).
SpaceSpec default_fmnist_space();

}  // namespace apq
