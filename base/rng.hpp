// Deterministic random numbers that do not depend on the standard library's distributions, so
// every rank and every build draws the same sequence for the same seed. In base/: header-only,
// below every layer (io's data split uses it as much as kernels do).
#pragma once
#include <cstdint>

namespace apq {

// SplitMix64 step: a good 64-bit mixer, used to derive seeds and to seed Rng.
inline std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Seed of one work item (or one training step): a function of the run seed, a stream name
// chosen by the caller (stage), and the item's stable ID; never of rank or timing.
inline std::uint64_t derive_seed(std::uint64_t run_seed, std::uint64_t stream, std::uint64_t id) {
  return splitmix64(splitmix64(splitmix64(run_seed) ^ stream) ^ id);
}

// Compile-time stream tag from a short name, e.g. stream_tag("collect-fp").
constexpr std::uint64_t stream_tag(const char* name) {
  std::uint64_t h = 1469598103934665603ULL;  // FNV-1a
  for (const char* p = name; *p; ++p) h = (h ^ static_cast<unsigned char>(*p)) * 1099511628211ULL;
  return h;
}

// xoshiro256** generator.
class Rng {
  __extension__ typedef unsigned __int128 u128;

 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& word : s_) word = seed = splitmix64(seed);
  }
  std::uint64_t next() {
    const std::uint64_t result = rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = rotl(s_[3], 45);
    return result;
  }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias below 2^-32 for our n).
  int below(int n) {
    return static_cast<int>((static_cast<u128>(next()) * static_cast<std::uint64_t>(n)) >> 64);
  }
  // Uniform double in [0, 1).
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return uniform() < p; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::uint64_t s_[4];
};

}  // namespace apq
