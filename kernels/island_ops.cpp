#include "kernels/island_ops.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>

namespace apq {
namespace {

bool fitter(float a, float b) {  // a strictly better than b, NaN worst
  if (std::isnan(a)) return false;
  if (std::isnan(b)) return true;
  return a > b;
}

int best_index(const std::vector<Individual>& population) {
  int best = 0;
  for (int i = 1; i < static_cast<int>(population.size()); ++i)
    if (fitter(population[i].fitness, population[best].fitness)) best = i;
  return best;
}

int worst_index(const std::vector<Individual>& population) {
  int worst = 0;
  for (int i = 1; i < static_cast<int>(population.size()); ++i)
    if (fitter(population[worst].fitness, population[i].fitness)) worst = i;
  return worst;
}

bool contains(const std::vector<Individual>& population, const Individual& ind) {
  return std::any_of(population.begin(), population.end(), [&](const Individual& p) { return same_candidate(p, ind); });
}

}  // namespace

bool same_candidate(const Individual& a, const Individual& b) { return a.arch == b.arch && a.policy == b.policy; }

EmigrantSelection::EmigrantSelection(Kind kind, int k) : kind_(kind), count_(k) {
  if (k < 0) throw std::invalid_argument("emigrant selection: count " + std::to_string(k) + " is negative");
}

std::string EmigrantSelection::name() const {
  return (kind_ == Kind::best ? "best " : "random ") + std::to_string(count_);
}

std::vector<Individual> EmigrantSelection::select(const std::vector<Individual>& population, Rng& rng) const {
  const int n = static_cast<int>(population.size());
  const int k = std::min(count_, n);
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  if (kind_ == Kind::best) {
    std::stable_sort(order.begin(), order.end(), [&](int a, int b) { return fitter(population[a].fitness, population[b].fitness); });
  } else {
    for (int i = 0; i < k; ++i) std::swap(order[i], order[i + rng.below(n - i)]);  // partial Fisher-Yates
  }
  std::vector<Individual> out;
  for (int i = 0; i < k; ++i) out.push_back(population[order[i]]);
  return out;
}

std::string ImmigrantReplacement::name() const { return kind_ == Kind::worst ? "replace worst" : "replace random"; }

int ImmigrantReplacement::replace(std::vector<Individual>& population, const std::vector<Individual>& immigrants,
                                  Rng& rng) const {
  if (population.empty()) return 0;
  std::vector<Individual> arrivals = immigrants;
  sort_best_first(arrivals);
  int taken = 0;
  // Random replacement: distinct positions, never the current best.
  std::vector<int> open_positions;
  const int keep = best_index(population);
  for (int i = 0; i < static_cast<int>(population.size()); ++i)
    if (i != keep) open_positions.push_back(i);
  for (const Individual& ind : arrivals) {
    if (contains(population, ind)) continue;  // also catches an equal earlier immigrant
    int target = -1;
    if (kind_ == Kind::worst) {
      const int worst = worst_index(population);
      if (fitter(ind.fitness, population[worst].fitness)) target = worst;
    } else if (!open_positions.empty()) {
      const int pick = rng.below(static_cast<int>(open_positions.size()));
      target = open_positions[pick];
      open_positions.erase(open_positions.begin() + pick);
    }
    if (target < 0) continue;
    population[target] = ind;
    ++taken;
  }
  sort_best_first(population);
  return taken;
}

Topology Topology::random_neighbours(int k, std::uint64_t seed) {
  if (k < 1) throw std::invalid_argument("topology: random_neighbours needs k >= 1, got " + std::to_string(k));
  return Topology(Kind::random_neighbours, k, seed);
}

Topology Topology::parse(const std::string& text, std::uint64_t seed) {
  if (text == "ring") return ring();
  if (text == "full") return fully_connected();
  const std::string prefix = "random-";
  const std::string k = text.rfind(prefix, 0) == 0 ? text.substr(prefix.size()) : "";
  if (!k.empty() && k.size() <= 6 && k.find_first_not_of("0123456789") == std::string::npos && std::stoi(k) >= 1)
    return random_neighbours(std::stoi(k), seed);
  throw std::invalid_argument("search.topology must be ring, full or random-K (K >= 1), not '" + text + "'");
}

std::string Topology::name() const {
  switch (kind_) {
    case Kind::ring: return "ring";
    case Kind::fully_connected: return "full";
    case Kind::random_neighbours: return "random-" + std::to_string(k_);
  }
  return "?";
}

std::vector<int> Topology::neighbours(int island, int islands) const {
  if (islands < 1 || island < 0 || island >= islands)
    throw std::invalid_argument("topology: island " + std::to_string(island) + " is not among " + std::to_string(islands));
  std::vector<int> out;
  if (islands == 1) return out;
  switch (kind_) {
    case Kind::ring:
      out.push_back((island + 1) % islands);
      break;
    case Kind::fully_connected:
      for (int j = 0; j < islands; ++j)
        if (j != island) out.push_back(j);
      break;
    case Kind::random_neighbours: {
      std::vector<int> others;
      for (int j = 0; j < islands; ++j)
        if (j != island) others.push_back(j);
      const int k = std::min(k_, islands - 1);
      Rng rng(derive_seed(seed_, stream_tag("topology") ^ static_cast<std::uint64_t>(islands), static_cast<std::uint64_t>(island)));
      for (int i = 0; i < k; ++i) std::swap(others[i], others[i + rng.below(static_cast<int>(others.size()) - i)]);
      out.assign(others.begin(), others.begin() + k);
      break;
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<int> Topology::sources(int island, int islands) const {
  if (islands < 1 || island < 0 || island >= islands)
    throw std::invalid_argument("topology: island " + std::to_string(island) + " is not among " + std::to_string(islands));
  std::vector<int> out;
  for (int j = 0; j < islands; ++j) {
    if (j == island) continue;
    const std::vector<int> n = neighbours(j, islands);
    if (std::binary_search(n.begin(), n.end(), island)) out.push_back(j);
  }
  return out;
}

}  // namespace apq
