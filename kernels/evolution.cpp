#include "kernels/evolution.hpp"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "base/pareto.hpp"
#include "kernels/predictor.hpp"

namespace apq {
namespace {

int pick(Rng& rng, const std::vector<int>& choices) { return choices[rng.below(static_cast<int>(choices.size()))]; }

std::string describe_costs(const Costs& c) {
  std::ostringstream out;
  out << "latency " << c.latency_ms << " ms, energy " << c.energy_mj << " mJ, BitOps " << c.bitops;
  return out.str();
}

}  // namespace

void sort_best_first(std::vector<Individual>& individuals) {
  std::stable_sort(individuals.begin(), individuals.end(), [](const Individual& a, const Individual& b) {
    if (std::isnan(a.fitness)) return false;
    if (std::isnan(b.fitness)) return true;
    return a.fitness > b.fitness;
  });
}

namespace {

std::vector<Objectives> objectives_of(const std::vector<Individual>& individuals, CostAxis axis) {
  std::vector<Objectives> out;
  out.reserve(individuals.size());
  for (const Individual& ind : individuals) out.push_back({ind.fitness, cost_on(ind.costs, axis)});
  return out;
}

std::vector<Individual> pick_in_order(const std::vector<Individual>& individuals, const std::vector<std::size_t>& order) {
  std::vector<Individual> out;
  out.reserve(order.size());
  for (std::size_t i : order) out.push_back(individuals[i]);
  return out;
}

}  // namespace

void sort_nsga2(std::vector<Individual>& individuals, CostAxis axis) {
  individuals = pick_in_order(individuals, nsga2_order(objectives_of(individuals, axis)));
}

std::vector<Individual> pareto_front(const std::vector<Individual>& individuals, CostAxis axis) {
  return pick_in_order(individuals, apq::pareto_front(objectives_of(individuals, axis)));
}

Evolution::Evolution(const SearchSpace& space, EvolutionConfig config, FitnessFn fitness, CostFn cost)
    : space_(&space),
      config_(std::move(config)),
      fitness_(std::move(fitness)),
      cost_(std::move(cost)),
      rng_(derive_seed(config_.seed, stream_tag("evolution"), 0)) {
  const EvolutionConfig& c = config_;
  auto bad = [](const std::string& what) { throw std::invalid_argument("evolution: " + what); };
  if (!fitness_ || !cost_) bad("fitness and cost callables are required");
  if (const std::string problem = evolution_config_problem(c); !problem.empty()) bad(problem);
  if (!c.search_arch) {
    try {
      space.check(c.fixed_arch);
    } catch (const std::invalid_argument& e) {
      bad(std::string("fixed_arch is not valid: ") + e.what());
    }
  }
  if (!c.search_policy && std::find(space.spec().bits.begin(), space.spec().bits.end(), c.fixed_bits) == space.spec().bits.end())
    bad("fixed_bits " + std::to_string(c.fixed_bits) + " is not in the space's bit set");
}

std::string evolution_config_problem(const EvolutionConfig& c) {
  if (c.population < 2) return "population must be at least 2";
  if (!(c.parents_ratio > 0.0 && c.parents_ratio <= 1.0)) return "parents-ratio must be in (0, 1]";
  if (c.mutants < 0 || c.crossovers < 0 || c.mutants + c.crossovers < 1)
    return "mutants and crossovers must be >= 0 and give at least one child";
  if (c.depth_mutation_prob < 0 || c.depth_mutation_prob > 1 || c.block_mutation_prob < 0 || c.block_mutation_prob > 1)
    return "mutation-prob and depth-mutation-prob must be in [0, 1]";
  if (c.max_attempts < 1) return "max-attempts must be positive";
  return "";
}

int Evolution::parent_count() const {
  return std::max(1, static_cast<int>(std::lround(config_.parents_ratio * config_.population)));
}

const Individual& Evolution::best() const {
  if (population_.empty()) throw std::logic_error("evolution: best() before initialize()");
  const Individual* best = &population_.front();
  for (const Individual& ind : population_)
    if (ind.fitness > best->fitness || (std::isnan(best->fitness) && !std::isnan(ind.fitness))) best = &ind;
  return *best;
}

BlockBits Evolution::random_bits() {
  const auto& bits = space_->spec().bits;
  BlockBits b;
  b.pw_w = pick(rng_, bits);
  b.pw_a = pick(rng_, bits);
  b.dw_w = pick(rng_, bits);
  b.dw_a = pick(rng_, bits);
  return b;
}

Policy Evolution::policy_for(const Arch& arch, Policy candidate) const {
  if (!config_.search_policy) return space_->uniform_policy(arch, config_.fixed_bits);
  return space_->canonical(arch, std::move(candidate));
}

Individual Evolution::random_individual() {
  Individual ind;
  ind.arch = config_.search_arch ? space_->sample(rng_) : config_.fixed_arch;
  ind.policy = config_.search_policy ? space_->sample_policy(ind.arch, rng_) : space_->uniform_policy(ind.arch, config_.fixed_bits);
  return ind;
}

Individual Evolution::mutate(const Individual& parent) {
  const SearchSpace& s = *space_;
  const double p = config_.block_mutation_prob;
  Individual child;
  child.arch = parent.arch;
  child.policy = parent.policy;
  Arch& a = child.arch;
  if (config_.search_arch)
    for (int st = 0; st < s.num_stages(); ++st)
      if (rng_.chance(config_.depth_mutation_prob)) a.depth[st] = pick(rng_, s.spec().stages[st].depths);
  for (int i = 0; i < s.num_slots(); ++i) {
    if (!s.is_active(a, i)) continue;
    const bool was_active = s.is_active(parent.arch, i);
    if (config_.search_arch) {
      if (!was_active || rng_.chance(p)) a.kernel[i] = pick(rng_, s.spec().kernels);
      if (!was_active || rng_.chance(p)) a.mid[i] = pick(rng_, s.slots()[i].mid_choices);
    }
    if (config_.search_policy) {
      BlockBits& b = child.policy.blocks[i];
      const auto& bits = s.spec().bits;
      if (!was_active) {
        b = random_bits();
      } else {
        if (rng_.chance(p)) b.pw_w = pick(rng_, bits);
        if (rng_.chance(p)) b.pw_a = pick(rng_, bits);
        if (rng_.chance(p)) b.dw_w = pick(rng_, bits);
        if (rng_.chance(p)) b.dw_a = pick(rng_, bits);
      }
    }
  }
  a = s.canonical(std::move(a));
  child.policy = policy_for(a, std::move(child.policy));
  return child;
}

Individual Evolution::crossover(const Individual& x, const Individual& y) {
  const SearchSpace& s = *space_;
  Individual child;
  Arch& a = child.arch;
  a = x.arch;
  child.policy = x.policy;
  if (config_.search_arch)
    for (int st = 0; st < s.num_stages(); ++st) a.depth[st] = rng_.chance(0.5) ? x.arch.depth[st] : y.arch.depth[st];
  for (int i = 0; i < s.num_slots(); ++i) {
    if (!s.is_active(a, i)) continue;
    const bool in_x = s.is_active(x.arch, i), in_y = s.is_active(y.arch, i);
    // Source of a gene group: a parent where the block is active (coin if both); none -> fresh.
    auto source = [&]() -> const Individual* {
      if (in_x && in_y) return rng_.chance(0.5) ? &x : &y;
      if (in_x) return &x;
      if (in_y) return &y;
      return nullptr;
    };
    if (config_.search_arch) {
      const Individual* from = source();
      a.kernel[i] = from ? from->arch.kernel[i] : pick(rng_, s.spec().kernels);
      a.mid[i] = from ? from->arch.mid[i] : pick(rng_, s.slots()[i].mid_choices);
    }
    if (config_.search_policy) {
      const Individual* from = source();
      child.policy.blocks[i] = from ? from->policy.blocks[i] : random_bits();
    }
  }
  a = s.canonical(std::move(a));
  child.policy = policy_for(a, std::move(child.policy));
  return child;
}

void Evolution::fail_budget(const char* what) const {
  const Arch smallest = config_.search_arch ? space_->smallest() : config_.fixed_arch;
  const int bits = config_.search_policy ? space_->spec().bits.front() : config_.fixed_bits;
  const Costs c = cost_(smallest, space_->uniform_policy(smallest, bits));
  throw std::runtime_error("evolution: no " + std::string(what) + " within the budget (" + config_.budget.describe() +
                           ") after " + std::to_string(config_.max_attempts) + " attempts; the smallest " +
                           (config_.search_arch ? "architecture" : "policy of the fixed architecture") + " at " +
                           std::to_string(bits) + " bits costs " + describe_costs(c));
}

// A budgeted quantity the cost callable cannot give (NaN: e.g. a cost model without a latency
// table) would reject every candidate; say so instead of failing on attempts.
void Evolution::check_cost_known(const Costs& c) const {
  const Budget& b = config_.budget;
  const char* unknown = b.latency_ms > 0 && std::isnan(c.latency_ms) ? "latency"
                        : b.energy_mj > 0 && std::isnan(c.energy_mj) ? "energy"
                        : b.bitops > 0 && std::isnan(c.bitops)       ? "BitOps"
                                                                     : nullptr;
  if (unknown)
    throw std::invalid_argument(std::string("evolution: the budget limits ") + unknown +
                                " but the cost callable returns NaN for it (a cost model without a latency/energy table?)");
}

// One step toward the cheap corner of the space: a random one of the genes that can still shrink
// (a stage's depth, a block's width or kernel, one of its bit widths) takes a random smaller
// choice. False when every gene is at its smallest.
bool Evolution::shrink_step(Individual& ind) {
  const SearchSpace& s = *space_;
  struct Move {
    int kind, index, field;
  };
  std::vector<Move> moves;
  auto can_shrink = [](const std::vector<int>& choices, int value) { return !choices.empty() && value > choices.front(); };
  if (config_.search_arch)
    for (int st = 0; st < s.num_stages(); ++st)
      if (can_shrink(s.spec().stages[st].depths, ind.arch.depth[st])) moves.push_back({0, st, 0});
  for (int i = 0; i < s.num_slots(); ++i) {
    if (!s.is_active(ind.arch, i)) continue;
    if (config_.search_arch) {
      if (can_shrink(s.slots()[i].mid_choices, ind.arch.mid[i])) moves.push_back({1, i, 0});
      if (can_shrink(s.spec().kernels, ind.arch.kernel[i])) moves.push_back({2, i, 0});
    }
    if (config_.search_policy) {
      const BlockBits& b = ind.policy.blocks[i];
      const int bits[] = {b.pw_w, b.pw_a, b.dw_w, b.dw_a};
      for (int f = 0; f < 4; ++f)
        if (can_shrink(s.spec().bits, bits[f])) moves.push_back({3, i, f});
    }
  }
  if (moves.empty()) return false;
  const Move m = moves[rng_.below(static_cast<int>(moves.size()))];
  auto smaller = [&](const std::vector<int>& choices, int value) {
    std::vector<int> below;
    for (int c : choices)
      if (c < value) below.push_back(c);
    return pick(rng_, below);
  };
  if (m.kind == 0) ind.arch.depth[m.index] = smaller(s.spec().stages[m.index].depths, ind.arch.depth[m.index]);
  if (m.kind == 1) ind.arch.mid[m.index] = smaller(s.slots()[m.index].mid_choices, ind.arch.mid[m.index]);
  if (m.kind == 2) ind.arch.kernel[m.index] = smaller(s.spec().kernels, ind.arch.kernel[m.index]);
  if (m.kind == 3) {
    BlockBits& b = ind.policy.blocks[m.index];
    int* field[] = {&b.pw_w, &b.pw_a, &b.dw_w, &b.dw_a};
    *field[m.field] = smaller(s.spec().bits, *field[m.field]);
  }
  ind.arch = s.canonical(std::move(ind.arch));
  ind.policy = policy_for(ind.arch, std::move(ind.policy));
  return true;
}

template <class Draw>
Individual Evolution::draw_within_budget(Draw draw, const char* what) {
  // A tight budget that random draws almost never meet: once max_attempts draws in a row have
  // failed, draws are shrunk gene by gene until they fit (a random walk toward the cheap corner,
  // so the samples stay diverse) instead of giving up.
  if (shrinking_) {
    Individual ind = draw();
    for (ind.costs = cost_(ind.arch, ind.policy); !config_.budget.admits(ind.costs); ind.costs = cost_(ind.arch, ind.policy)) {
      check_cost_known(ind.costs);
      ++rejected_;
      if (!shrink_step(ind)) fail_budget(what);
    }
    return ind;
  }
  for (int attempt = 0; attempt < config_.max_attempts; ++attempt) {
    Individual ind = draw();
    ind.costs = cost_(ind.arch, ind.policy);
    if (config_.objective == Objective::pareto && std::isnan(cost_on(ind.costs, config_.pareto_axis)))
      throw std::invalid_argument(std::string("evolution: the Pareto search minimises ") + cost_axis_name(config_.pareto_axis) +
                                  " but the cost callable returns NaN for it (a cost model without a latency/energy table?)");
    if (config_.budget.admits(ind.costs)) return ind;
    check_cost_known(ind.costs);
    ++rejected_;
  }
  shrinking_ = true;
  return draw_within_budget(draw, what);
}

void Evolution::score(std::vector<Individual>& individuals) {
  const std::vector<float> fitness = fitness_(individuals);
  if (fitness.size() != individuals.size())
    throw std::runtime_error("evolution: fitness returned " + std::to_string(fitness.size()) + " values for " +
                             std::to_string(individuals.size()) + " individuals");
  for (std::size_t i = 0; i < individuals.size(); ++i) individuals[i].fitness = fitness[i];
  evaluated_ += static_cast<long long>(individuals.size());
}

namespace {

std::uint64_t candidate_hash(const Individual& ind) {
  std::uint64_t h = 0x9E3779B97F4A7C15ULL;
  auto mix = [&h](int v) { h = splitmix64(h ^ static_cast<std::uint64_t>(static_cast<std::uint32_t>(v))); };
  for (int v : ind.arch.depth) mix(v);
  for (std::size_t i = 0; i < ind.arch.kernel.size(); ++i) {
    mix(ind.arch.kernel[i]);
    mix(ind.arch.mid[i]);
    const BlockBits& b = ind.policy.blocks[i];
    mix(b.pw_w), mix(b.pw_a), mix(b.dw_w), mix(b.dw_a);
  }
  return h;
}

// Keeps the first of each (arch, policy): without this, unchanged mutants (clones of the best
// parent) fill the parent slots within a few generations and the search stops exploring.
void remove_duplicates(std::vector<Individual>& sorted) {
  std::unordered_multimap<std::uint64_t, std::size_t> seen;
  std::vector<Individual> unique;
  unique.reserve(sorted.size());
  for (auto& ind : sorted) {
    const std::uint64_t h = candidate_hash(ind);
    const auto range = seen.equal_range(h);
    if (std::any_of(range.first, range.second, [&](const auto& e) {
          return unique[e.second].arch == ind.arch && unique[e.second].policy == ind.policy;
        }))
      continue;
    seen.emplace(h, unique.size());
    unique.push_back(std::move(ind));
  }
  sorted = std::move(unique);
}

}  // namespace

void Evolution::sort_population() {
  sort_best_first(population_);
  remove_duplicates(population_);
  if (config_.objective == Objective::pareto) sort_nsga2(population_, config_.pareto_axis);
}

void Evolution::initialize() {
  population_.clear();
  for (int i = 0; i < config_.population; ++i)
    population_.push_back(draw_within_budget([&] { return random_individual(); }, "initial sample"));
  score(population_);
  sort_population();
  best_history_.assign(1, best().fitness);
  generation_ = 0;
  initialized_ = true;
}

void Evolution::step() {
  if (!initialized_) initialize();
  const int n_parents = std::min(parent_count(), static_cast<int>(population_.size()));
  std::vector<Individual> parents(population_.begin(), population_.begin() + n_parents);
  std::vector<Individual> children;
  children.reserve(static_cast<std::size_t>(config_.mutants + config_.crossovers));
  for (int i = 0; i < config_.mutants; ++i)
    children.push_back(draw_within_budget([&] { return mutate(parents[rng_.below(n_parents)]); }, "mutant"));
  for (int i = 0; i < config_.crossovers; ++i)
    children.push_back(draw_within_budget(
        [&] {
          // Two distinct parents: a parent crossed with itself is only its clone.
          const int first = rng_.below(n_parents);
          int second = n_parents > 1 ? rng_.below(n_parents - 1) : 0;
          if (n_parents > 1 && second >= first) ++second;
          return crossover(parents[first], parents[second]);
        },
        "crossover child"));
  score(children);
  population_ = std::move(parents);
  population_.insert(population_.end(), std::make_move_iterator(children.begin()), std::make_move_iterator(children.end()));
  sort_population();
  const bool truncate = config_.survival == Survival::best_of_both || config_.objective == Objective::pareto;
  if (truncate && static_cast<int>(population_.size()) > config_.population) population_.resize(config_.population);
  ++generation_;
  best_history_.push_back(best().fitness);
}

void Evolution::run(int generations) {
  if (!initialized_) initialize();
  for (int g = 0; g < generations; ++g) step();
}

void Evolution::replace_population(std::vector<Individual> population) {
  if (population.empty()) throw std::invalid_argument("evolution: replacement population is empty");
  for (const Individual& ind : population) space_->check(ind.arch, ind.policy);
  population_ = std::move(population);
  sort_population();
  initialized_ = true;
}

CandidateViews::CandidateViews(const std::vector<Individual>& individuals) {
  archs_.reserve(individuals.size());
  policies_.reserve(individuals.size());
  bitops_.reserve(individuals.size());
  for (const Individual& ind : individuals) {
    archs_.push_back(&ind.arch);
    policies_.push_back(&ind.policy);
    bitops_.push_back(ind.costs.bitops);
    if (!(ind.costs.bitops > 0.0) || !std::isfinite(ind.costs.bitops)) bitops_known_ = false;
  }
}

FitnessFn predictor_fitness(const PredictorHandle& predictor) {
  return [&predictor](const std::vector<Individual>& individuals) {
    const CandidateViews views(individuals);
    std::vector<float> out(views.size());
    predictor.predict(views.size(), views.archs(), views.policies(), out.data(), views.bitops());
    return out;
  };
}

int gene_count(const SearchSpace& space) { return space.num_stages() + 6 * space.num_slots(); }

void pack_individual(const SearchSpace& space, const Individual& ind, std::vector<std::int32_t>& genes,
                     std::vector<double>& values) {
  space.check(ind.arch, ind.policy);
  genes.insert(genes.end(), ind.arch.depth.begin(), ind.arch.depth.end());
  for (int i = 0; i < space.num_slots(); ++i) {
    const BlockBits& b = ind.policy.blocks[i];
    genes.insert(genes.end(), {ind.arch.kernel[i], ind.arch.mid[i], b.pw_w, b.pw_a, b.dw_w, b.dw_a});
  }
  values.insert(values.end(), {static_cast<double>(ind.fitness), ind.costs.latency_ms, ind.costs.energy_mj,
                               ind.costs.bitops, ind.costs.macs});
}

Individual unpack_individual(const SearchSpace& space, const std::int32_t* genes, const double* values) {
  Individual ind;
  ind.arch.depth.assign(genes, genes + space.num_stages());
  const std::int32_t* g = genes + space.num_stages();
  for (int i = 0; i < space.num_slots(); ++i, g += 6) {
    ind.arch.kernel.push_back(g[0]);
    ind.arch.mid.push_back(g[1]);
    ind.policy.blocks.push_back(BlockBits{g[2], g[3], g[4], g[5]});
  }
  space.check(ind.arch, ind.policy);
  ind.fitness = static_cast<float>(values[0]);
  ind.costs.latency_ms = values[1];
  ind.costs.energy_mj = values[2];
  ind.costs.bitops = values[3];
  ind.costs.macs = values[4];
  return ind;
}

}  // namespace apq
