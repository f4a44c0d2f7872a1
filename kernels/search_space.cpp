#include "kernels/search_space.hpp"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace apq {
namespace {

[[noreturn]] void fail(const std::string& what) { throw std::invalid_argument(what); }

int conv_out_size(int in, int stride) { return (in - 1) / stride + 1; }  // odd kernel, pad k/2

bool contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

void require_positive_set(const std::vector<int>& v, const char* name) {
  if (v.empty()) fail(std::string("space: ") + name + " is empty");
  for (int x : v)
    if (x <= 0) fail(std::string("space: ") + name + " holds " + std::to_string(x) + ", must be positive");
}

std::vector<int> mid_choices_for(const SpaceSpec& spec, int in_channels) {
  std::vector<int> mids;
  if (spec.fine_grained_width) {
    for (int m = 4 * in_channels; m <= 6 * in_channels; ++m)
      if (m % 8 == 0) mids.push_back(m);
    if (mids.empty()) mids.push_back(4 * in_channels);
  } else {
    for (int e : spec.expands) mids.push_back(e * in_channels);
  }
  std::sort(mids.begin(), mids.end());
  mids.erase(std::unique(mids.begin(), mids.end()), mids.end());
  return mids;
}

std::vector<std::string> split(const std::string& text, char sep) {
  std::vector<std::string> parts;
  std::string part;
  std::istringstream in(text);
  while (std::getline(in, part, sep)) parts.push_back(part);
  return parts;
}

std::vector<std::string> words(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

SearchSpace::SearchSpace(SpaceSpec spec) : spec_(std::move(spec)) {
  if (spec_.stages.empty()) fail("space: no stages");
  if (spec_.in_channels <= 0 || spec_.image_size <= 0 || spec_.num_classes <= 1)
    fail("space: in_channels, image_size must be positive and num_classes at least 2");
  if (spec_.stem_width <= 0 || spec_.first_block_width <= 0 || spec_.head_width <= 0)
    fail("space: stem, first block and head widths must be positive");
  require_positive_set(spec_.kernels, "kernels");
  for (int k : spec_.kernels)
    if (k % 2 == 0) fail("space: kernel " + std::to_string(k) + " is even, kernels must be odd");
  if (!spec_.fine_grained_width) require_positive_set(spec_.expands, "expands");
  require_positive_set(spec_.bits, "bits");
  for (int b : spec_.bits)
    if (b < 2 || b > 8) fail("space: bit width " + std::to_string(b) + " outside 2..8");
  std::sort(spec_.kernels.begin(), spec_.kernels.end());
  std::sort(spec_.bits.begin(), spec_.bits.end());

  int size = conv_out_size(spec_.image_size, spec_.stem_stride);
  int in_channels = spec_.first_block_width;
  for (int s = 0; s < num_stages(); ++s) {
    StageSpec& stage = spec_.stages[s];
    const std::string where = "space: stage " + std::to_string(s + 1);
    if (stage.width <= 0) fail(where + " width must be positive");
    if (stage.stride != 1 && stage.stride != 2) fail(where + " stride must be 1 or 2");
    require_positive_set(stage.depths, "stage depths");
    std::sort(stage.depths.begin(), stage.depths.end());
    stage_first_slot_.push_back(static_cast<int>(slots_.size()));
    for (int j = 0; j < stage.depths.back(); ++j) {
      BlockSlot slot;
      slot.stage = s;
      slot.index = j;
      slot.in_channels = j == 0 ? in_channels : stage.width;
      slot.out_channels = stage.width;
      slot.stride = j == 0 ? stage.stride : 1;
      slot.in_size = size;
      slot.mid_choices = mid_choices_for(spec_, slot.in_channels);
      if (j == 0) size = conv_out_size(size, stage.stride);
      slots_.push_back(std::move(slot));
    }
    in_channels = stage.width;
  }
  last_size_ = size;
}

int SearchSpace::max_depth(int stage) const { return spec_.stages[stage].depths.back(); }

bool SearchSpace::is_active(const Arch& arch, int slot) const {
  const BlockSlot& b = slots_[slot];
  return b.index < arch.depth[b.stage];
}

Arch SearchSpace::largest() const {
  Arch a;
  for (const auto& st : spec_.stages) a.depth.push_back(st.depths.back());
  for (const auto& b : slots_) {
    a.kernel.push_back(spec_.kernels.back());
    a.mid.push_back(b.mid_choices.back());
  }
  return a;
}

Arch SearchSpace::smallest() const {
  Arch a;
  for (const auto& st : spec_.stages) a.depth.push_back(st.depths.front());
  for (const auto& b : slots_) {
    a.kernel.push_back(spec_.kernels.front());
    a.mid.push_back(b.mid_choices.front());
  }
  return canonical(a);
}

Arch SearchSpace::sample(Rng& rng) const {
  Arch a;
  for (const auto& st : spec_.stages) a.depth.push_back(st.depths[rng.below(static_cast<int>(st.depths.size()))]);
  for (const auto& b : slots_) {
    a.kernel.push_back(spec_.kernels[rng.below(static_cast<int>(spec_.kernels.size()))]);
    a.mid.push_back(b.mid_choices[rng.below(static_cast<int>(b.mid_choices.size()))]);
  }
  return canonical(a);
}

Policy SearchSpace::sample_policy(const Arch& arch, Rng& rng) const {
  const int n = static_cast<int>(spec_.bits.size());
  Policy p;
  for (const auto& b : slots_) {
    (void)b;
    BlockBits bits;
    bits.pw_w = spec_.bits[rng.below(n)];
    bits.pw_a = spec_.bits[rng.below(n)];
    bits.dw_w = spec_.bits[rng.below(n)];
    bits.dw_a = spec_.bits[rng.below(n)];
    p.blocks.push_back(bits);
  }
  return canonical(arch, p);
}

Policy SearchSpace::sample_leveled_policy(const Arch& arch, Rng& rng) const {
  const int n = static_cast<int>(spec_.bits.size());
  const int level = spec_.bits[rng.below(n)];
  auto draw = [&] { return rng.chance(0.5) ? level : spec_.bits[rng.below(n)]; };
  Policy p;
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    BlockBits bits;
    bits.pw_w = draw();
    bits.pw_a = draw();
    bits.dw_w = draw();
    bits.dw_a = draw();
    p.blocks.push_back(bits);
  }
  return canonical(arch, p);
}

Policy SearchSpace::uniform_policy(const Arch& arch, int bits) const {
  Policy p;
  p.blocks.assign(slots_.size(), BlockBits{bits, bits, bits, bits});
  return canonical(arch, p);
}

Arch SearchSpace::canonical(Arch arch) const {
  for (int i = 0; i < num_slots(); ++i)
    if (!is_active(arch, i)) arch.kernel[i] = arch.mid[i] = 0;
  return arch;
}

Policy SearchSpace::canonical(const Arch& arch, Policy policy) const {
  for (int i = 0; i < num_slots(); ++i)
    if (!is_active(arch, i)) policy.blocks[i] = BlockBits{0, 0, 0, 0};
  return policy;
}

void SearchSpace::check(const Arch& arch) const {
  if (static_cast<int>(arch.depth.size()) != num_stages())
    fail("arch: " + std::to_string(arch.depth.size()) + " stage depths for a space of " + std::to_string(num_stages()) + " stages");
  if (static_cast<int>(arch.kernel.size()) != num_slots() || static_cast<int>(arch.mid.size()) != num_slots())
    fail("arch: block count does not match the space's " + std::to_string(num_slots()) + " slots");
  for (int s = 0; s < num_stages(); ++s)
    if (!contains(spec_.stages[s].depths, arch.depth[s]))
      fail("arch: stage " + std::to_string(s + 1) + " depth " + std::to_string(arch.depth[s]) + " is not a choice of the space");
  for (int i = 0; i < num_slots(); ++i) {
    const std::string where = "arch: block " + std::to_string(i + 1);
    if (!is_active(arch, i)) {
      if (arch.kernel[i] != 0 || arch.mid[i] != 0) fail(where + " is inactive but not zero (not canonical)");
      continue;
    }
    if (!contains(spec_.kernels, arch.kernel[i])) fail(where + " kernel " + std::to_string(arch.kernel[i]) + " is not a choice of the space");
    if (!contains(slots_[i].mid_choices, arch.mid[i])) fail(where + " width " + std::to_string(arch.mid[i]) + " is not a choice of the space");
  }
}

void SearchSpace::check(const Arch& arch, const Policy& policy) const {
  check(arch);
  if (static_cast<int>(policy.blocks.size()) != num_slots())
    fail("policy: " + std::to_string(policy.blocks.size()) + " blocks for a space of " + std::to_string(num_slots()) + " slots");
  for (int i = 0; i < num_slots(); ++i) {
    const BlockBits& b = policy.blocks[i];
    const std::string where = "policy: block " + std::to_string(i + 1);
    if (!is_active(arch, i)) {
      if (!(b == BlockBits{0, 0, 0, 0})) fail(where + " is inactive but not zero (not canonical)");
      continue;
    }
    for (int bits : {b.pw_w, b.pw_a, b.dw_w, b.dw_a})
      if (!contains(spec_.bits, bits)) fail(where + " uses " + std::to_string(bits) + " bits, not in the space's bit set");
  }
}

namespace {

// Calls each(slot, position-in-stage) for the active slots, and between(stage) before each stage but the first.
template <class Each, class Between>
void for_active_slots(const SearchSpace& space, const Arch& arch, Each each, Between between) {
  for (int s = 0; s < space.num_stages(); ++s) {
    if (s) between(s);
    for (int j = 0; j < arch.depth[s]; ++j) each(space.first_slot(s) + j, j);
  }
}

// Reads "<letter><int>" pairs in order, e.g. "k3m48" with letters "km".
std::vector<int> read_tagged(const std::string& word, const std::string& letters, const std::string& what) {
  std::vector<int> values;
  std::size_t pos = 0;
  for (char letter : letters) {
    while (pos < word.size() && word[pos] == '.') ++pos;
    if (pos >= word.size() || word[pos] != letter) fail(what + ": expected '" + letter + "' in \"" + word + "\"");
    ++pos;
    std::size_t used = 0;
    int value = 0;
    try {
      value = std::stoi(word.substr(pos), &used);
    } catch (const std::exception&) {
      fail(what + ": expected a number after '" + letter + "' in \"" + word + "\"");
    }
    pos += used;
    values.push_back(value);
  }
  if (pos != word.size()) fail(what + ": trailing text in \"" + word + "\"");
  return values;
}

std::vector<std::vector<std::string>> stage_words(const SearchSpace& space, const std::string& text, const std::string& what) {
  const auto parts = split(text, '|');
  if (static_cast<int>(parts.size()) != space.num_stages())
    fail(what + ": " + std::to_string(parts.size()) + " stages in \"" + text + "\", the space has " + std::to_string(space.num_stages()));
  std::vector<std::vector<std::string>> out;
  for (const auto& part : parts) out.push_back(words(part));
  return out;
}

}  // namespace

std::string to_string(const SearchSpace& space, const Arch& arch) {
  std::ostringstream out;
  for_active_slots(
      space, arch,
      [&](int slot, int j) { out << (j ? " " : "") << 'k' << arch.kernel[slot] << 'm' << arch.mid[slot]; },
      [&](int) { out << " | "; });
  return out.str();
}

std::string to_string(const SearchSpace& space, const Arch& arch, const Policy& policy) {
  std::ostringstream out;
  for_active_slots(
      space, arch,
      [&](int slot, int j) {
        const BlockBits& b = policy.blocks[slot];
        out << (j ? " " : "") << 'w' << b.pw_w << 'a' << b.pw_a << ".w" << b.dw_w << 'a' << b.dw_a;
      },
      [&](int) { out << " | "; });
  return out.str();
}

Arch parse_arch(const SearchSpace& space, const std::string& text) {
  const auto stages = stage_words(space, text, "arch");
  Arch arch;
  arch.kernel.assign(space.num_slots(), 0);
  arch.mid.assign(space.num_slots(), 0);
  for (int s = 0; s < space.num_stages(); ++s) {
    const int depth = static_cast<int>(stages[s].size());
    if (depth > space.max_depth(s)) fail("arch: stage " + std::to_string(s + 1) + " has " + std::to_string(depth) + " blocks, at most " + std::to_string(space.max_depth(s)) + " allowed");
    arch.depth.push_back(depth);
    for (int j = 0; j < depth; ++j) {
      const auto v = read_tagged(stages[s][j], "km", "arch");
      arch.kernel[space.first_slot(s) + j] = v[0];
      arch.mid[space.first_slot(s) + j] = v[1];
    }
  }
  space.check(arch);
  return arch;
}

Policy parse_policy(const SearchSpace& space, const Arch& arch, const std::string& text) {
  const auto stages = stage_words(space, text, "policy");
  Policy policy;
  policy.blocks.assign(space.num_slots(), BlockBits{0, 0, 0, 0});
  for (int s = 0; s < space.num_stages(); ++s) {
    if (static_cast<int>(stages[s].size()) != arch.depth[s])
      fail("policy: stage " + std::to_string(s + 1) + " has " + std::to_string(stages[s].size()) + " blocks, the architecture " + std::to_string(arch.depth[s]));
    for (int j = 0; j < arch.depth[s]; ++j) {
      const auto v = read_tagged(stages[s][j], "wawa", "policy");
      policy.blocks[space.first_slot(s) + j] = BlockBits{v[0], v[1], v[2], v[3]};
    }
  }
  space.check(arch, policy);
  return policy;
}

SpaceSpec default_fmnist_space() {
  SpaceSpec spec;
  spec.stages = {{24, 2, {2, 3, 4}}, {32, 2, {2, 3, 4}}, {48, 2, {2, 3, 4}}, {64, 1, {2, 3, 4}}};
  return spec;
}

}  // namespace apq
