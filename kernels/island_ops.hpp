// Island-model operators as small value types (in the style of pagmo2's s_policy, r_policy and
// topology): which individuals leave an island, how arrivals enter one, and which islands an island
// sends to. They only select and move Individuals, so islands on other ranks need nothing else.
// Torch-free; randomness from a caller's apq::Rng (or the topology's seed): deterministic.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "kernels/evolution.hpp"

namespace apq {

// Which individuals emigrate: the best k (by fitness, NaN last), or k distinct ones at random.
class EmigrantSelection {
 public:
  enum class Kind { best, random };
  static EmigrantSelection best(int k) { return EmigrantSelection(Kind::best, k); }
  static EmigrantSelection random(int k) { return EmigrantSelection(Kind::random, k); }

  // At most min(k, population size) copies; the population is not modified.
  std::vector<Individual> select(const std::vector<Individual>& population, Rng& rng) const;
  Kind kind() const { return kind_; }
  int count() const { return count_; }
  std::string name() const;

 private:
  EmigrantSelection(Kind kind, int k);
  Kind kind_;
  int count_;
};

// How immigrants enter. worst: immigrants, best first, replace the current worst member when
// strictly fitter. random: each immigrant replaces a random member other than the current best (distinct
// positions, so immigrants never replace each other).
// Either way an immigrant equal (same arch and policy) to a member or to an earlier immigrant is
// skipped: never replace with a duplicate. The population stays sorted best first.
class ImmigrantReplacement {
 public:
  enum class Kind { worst, random };
  static ImmigrantReplacement worst() { return ImmigrantReplacement(Kind::worst); }
  static ImmigrantReplacement random() { return ImmigrantReplacement(Kind::random); }

  // Returns how many immigrants were taken in.
  int replace(std::vector<Individual>& population, const std::vector<Individual>& immigrants, Rng& rng) const;
  Kind kind() const { return kind_; }
  std::string name() const;

 private:
  explicit ImmigrantReplacement(Kind kind) : kind_(kind) {}
  Kind kind_;
};

// Directed topology: neighbours(i, n) lists the islands island i sends its emigrants to, ascending,
// never i itself. ring: i -> i+1 (mod n); fully_connected: every other island; random_neighbours:
// k distinct other islands per island, drawn from the seed (the same on every rank).
class Topology {
 public:
  enum class Kind { ring, fully_connected, random_neighbours };
  static Topology ring() { return Topology(Kind::ring, 1, 0); }
  static Topology fully_connected() { return Topology(Kind::fully_connected, 0, 0); }
  static Topology random_neighbours(int k, std::uint64_t seed);
  // The config spelling: "ring", "full" or "random-K" (K >= 1); seed is for random-K. Throws
  // std::invalid_argument "search.topology must be ring, full or random-K (K >= 1), not '<text>'".
  static Topology parse(const std::string& text, std::uint64_t seed);

  // Throws std::invalid_argument unless 0 <= island < islands.
  std::vector<int> neighbours(int island, int islands) const;
  // Islands that send to island (the inverse relation), ascending.
  std::vector<int> sources(int island, int islands) const;
  Kind kind() const { return kind_; }
  std::string name() const;  // the config spelling, which parse() reads back

 private:
  Topology(Kind kind, int k, std::uint64_t seed) : kind_(kind), k_(k), seed_(seed) {}
  Kind kind_;
  int k_;
  std::uint64_t seed_;
};

bool same_candidate(const Individual& a, const Individual& b);

}  // namespace apq
