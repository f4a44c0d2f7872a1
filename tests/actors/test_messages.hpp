// Helpers shared by the actor tests: equality of message types and sample values.
#pragma once
#include <cstring>
#include <limits>

#include "actors/messages.hpp"

namespace apq::actors::testing {

// Bit patterns that must survive the trip: quiet/signalling/negative NaNs with payloads,
// infinities, signed zero, the smallest denormal.
inline std::vector<double> special_doubles() {
  const std::uint64_t bits[] = {0x7ff8000000000000ULL, 0x7ff0000000000001ULL,
                                0xfff8dead0000beefULL, 0x7ff4000000000000ULL,
                                0x7ff0000000000000ULL, 0xfff0000000000000ULL,
                                0x8000000000000000ULL, 0x0000000000000001ULL};
  std::vector<double> out;
  for (auto b : bits) {
    double d;
    std::memcpy(&d, &b, sizeof d);
    out.push_back(d);
  }
  out.push_back(1.0 / 3.0);
  return out;
}

inline std::vector<float> special_floats() {
  const std::uint32_t bits[] = {0x7fc00000u, 0x7f800001u, 0xffc00001u, 0x7fabcdefu,
                                0x7f800000u, 0xff800000u, 0x80000000u, 0x00000001u};
  std::vector<float> out;
  for (auto b : bits) {
    float f;
    std::memcpy(&f, &b, sizeof f);
    out.push_back(f);
  }
  out.push_back(0.1f);
  return out;
}

// Bitwise equality of float vectors (NaN != NaN otherwise).
template <class F>
bool same_bits(const std::vector<F>& a, const std::vector<F>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(F)) == 0);
}

inline bool same(const WorkItem& a, const WorkItem& b) {
  return a.id == b.id && a.seed == b.seed && a.attempt == b.attempt && a.task == b.task &&
         a.input.type_id == b.input.type_id && a.input.bytes == b.input.bytes;
}
inline bool same(const WorkResult& a, const WorkResult& b) {
  return a.id == b.id && a.status == b.status && same_bits(a.values, b.values) &&
         a.answer.type_id == b.answer.type_id && a.answer.bytes == b.answer.bytes && a.seconds == b.seconds &&
         a.error == b.error && a.rank == b.rank && a.worker == b.worker && a.attempt == b.attempt;
}
inline bool same(const Migrants& a, const Migrants& b) {
  if (a.from_island != b.from_island || a.to_island != b.to_island ||
      a.generation != b.generation || a.genomes.size() != b.genomes.size())
    return false;
  for (std::size_t i = 0; i < a.genomes.size(); ++i)
    if (a.genomes[i].genes != b.genomes[i].genes ||
        !same_bits(a.genomes[i].fitness, b.genomes[i].fitness))
      return false;
  return true;
}
inline bool same(const Shutdown& a, const Shutdown& b) { return a.from_rank == b.from_rank; }
inline bool same(const Abort& a, const Abort& b) { return a.rank == b.rank && a.reason == b.reason; }
inline bool same(const Blob& a, const Blob& b) {
  return a.seq == b.seq && a.bytes == b.bytes && same_bits(a.floats, b.floats);
}
inline bool same(const Ping& a, const Ping& b) { return a.seq == b.seq && a.from_rank == b.from_rank; }

inline WorkItem sample_item() {
  WorkItem x;
  x.id = 42;
  x.seed = 0xfedcba9876543210ULL;
  x.attempt = 1;
  x.task = "collect-fp";
  x.input = {91, SharedBytes(std::vector<std::uint8_t>{3, 0, 255, 7})};
  return x;
}
inline WorkResult sample_result() {
  WorkResult x;
  x.id = 42;
  x.status = WorkStatus::failed;
  x.values = special_doubles();
  x.answer = {77, SharedBytes(std::vector<std::uint8_t>{1, 0, 255})};
  x.seconds = 1.25;
  x.error = "loss was NaN";
  x.rank = 3;
  x.worker = 1;
  x.attempt = 2;
  return x;
}
inline Migrants sample_migrants() {
  Migrants x;
  x.from_island = 2;
  x.to_island = 3;
  x.generation = 17;
  x.genomes = {{{1, 2, 3}, {0.5, std::numeric_limits<double>::quiet_NaN()}}, {{}, {}}, {{9}, special_doubles()}};
  return x;
}
inline Blob sample_blob(std::size_t n = 1000) {
  Blob x;
  x.seq = 7;
  std::vector<std::uint8_t> bytes(n);
  for (std::size_t i = 0; i < n; ++i) bytes[i] = static_cast<std::uint8_t>(i * 131 + 7);
  x.bytes = std::move(bytes);
  x.floats = special_floats();
  return x;
}

}  // namespace apq::actors::testing
