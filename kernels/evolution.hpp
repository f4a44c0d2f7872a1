// The evolutionary search of APQ (stage 7), torch-free. One generation at a time (step()), so an
// island actor can interleave migration between generations.
//
// Each generation: the best parents_ratio x population become parents; `mutants` children by
// mutation and `crossovers` children by uniform crossover are made from them; children that break
// the budget are resampled (new parents, new draw) up to max_attempts each; after that (a budget
// random draws almost never meet) every draw is shrunk gene by gene until it fits, and only when
// the smallest corner breaks the budget too does the search fail with a std::runtime_error naming
// the budget and the cost of the smallest architecture at the lowest bits. ALL children are kept (the reference drops the crossover children): with
// Survival::parents_and_children the next population is parents + all children (25 + 50 + 50 = 125
// with the defaults); with Survival::best_of_both it is the best `population` of parents + children.
// Either way duplicates (same arch and policy) are dropped, keeping the first: clones of the
// best parent would otherwise crowd out every other parent within a few generations.
// The initial population is `population` random samples within the budget, all kept.
// With Objective::pareto the search is multi-objective (NSGA-II): fitness is maximised and the
// cost on `pareto_axis` minimised; the population is ordered by non-dominated front, then by
// crowding distance (base/pareto.hpp), the parents are the first of that order and the next
// population is always the first `population` of parents + children. The budget still applies
// (leave it empty for a front over the whole space).
// Fitness is a batched callable (the quantization-aware predictor, which sees the real bits);
// cost is a callable (arch, policy) -> Costs from the caller (the cost model).
// All randomness from base/rng.hpp: the same seed gives the same search.
#pragma once
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "base/costs.hpp"
#include "kernels/search_space.hpp"

namespace apq {

struct Individual {
  Arch arch;
  Policy policy;
  float fitness = std::numeric_limits<float>::quiet_NaN();
  Costs costs;
};

using FitnessFn = std::function<std::vector<float>(const std::vector<Individual>&)>;
using CostFn = std::function<Costs(const Arch&, const Policy&)>;

// What a batched predictor takes for a batch of individuals. Individuals reach the fitness with
// their costs (the Evolution computes them with its CostFn before scoring), so their BitOps are
// passed on to a predictor with the BitOps input; bitops() is null when any is unknown (not
// positive), and the predictor then computes them itself.
class CandidateViews {
 public:
  explicit CandidateViews(const std::vector<Individual>& individuals);
  std::size_t size() const { return archs_.size(); }
  const Arch* const* archs() const { return archs_.data(); }
  const Policy* const* policies() const { return policies_.data(); }
  const double* bitops() const { return bitops_known_ ? bitops_.data() : nullptr; }

 private:
  std::vector<const Arch*> archs_;
  std::vector<const Policy*> policies_;
  std::vector<double> bitops_;
  bool bitops_known_ = true;
};

class PredictorHandle;
// Fitness from a predictor: its accuracy for each individual's (arch, policy), with the real bits
// (a full-precision predictor looks at the arch only). The handle must outlive the callable.
FitnessFn predictor_fitness(const PredictorHandle& predictor);

enum class Survival { parents_and_children, best_of_both };
enum class Objective { accuracy, pareto };

struct EvolutionConfig {
  int population = 100;
  double parents_ratio = 0.25;
  int mutants = 50;
  int crossovers = 50;
  // Mutation: each stage's depth, and each gene (kernel, width, each of the 4 bit widths) of each
  // block that stays active, is resampled with these probabilities; newly activated blocks get
  // fresh random genes.
  double depth_mutation_prob = 0.1;
  double block_mutation_prob = 0.1;
  int max_attempts = 500;  // draws per child or initial sample before giving up
  Budget budget;
  Survival survival = Survival::parents_and_children;  // ignored by Objective::pareto
  Objective objective = Objective::accuracy;
  CostAxis pareto_axis = CostAxis::latency;
  // Staged search: with search_arch false the architecture is fixed_arch; with search_policy
  // false every block uses fixed_bits for all four bit widths.
  bool search_arch = true;
  bool search_policy = true;
  Arch fixed_arch;
  int fixed_bits = 8;
  std::uint64_t seed = 1;
};

// What is wrong with the config's population and operator settings, named as the [search] keys
// ("population must be at least 2"); "" when nothing is. Evolution refuses the same.
std::string evolution_config_problem(const EvolutionConfig& config);

class Evolution {
 public:
  // Validates the config; throws std::invalid_argument naming the bad field.
  Evolution(const SearchSpace& space, EvolutionConfig config, FitnessFn fitness, CostFn cost);

  void initialize();   // samples and scores the initial population
  void step();         // one generation (initialize() first if not done)
  void run(int generations);

  int generation() const { return generation_; }
  // Sorted best first (NaN fitness last); with Objective::pareto in NSGA-II order.
  const std::vector<Individual>& population() const { return population_; }
  const Individual& best() const;  // the highest fitness (the first of them)
  // Best fitness after initialization and after each generation.
  const std::vector<float>& best_history() const { return best_history_; }
  long long evaluated() const { return evaluated_; }  // candidates scored so far
  long long rejected() const { return rejected_; }    // draws that broke the budget

  // For migration: replace the population (each individual is checked against the space), re-sort.
  void replace_population(std::vector<Individual> population);

  // Operators, public for tests and for callers that build their own loop.
  Individual random_individual();
  Individual mutate(const Individual& parent);
  Individual crossover(const Individual& a, const Individual& b);
  int parent_count() const;
  const SearchSpace& space() const { return *space_; }
  const EvolutionConfig& config() const { return config_; }

 private:
  template <class Draw>
  Individual draw_within_budget(Draw draw, const char* what);
  [[noreturn]] void fail_budget(const char* what) const;
  bool shrink_step(Individual& ind);
  void check_cost_known(const Costs& costs) const;
  void score(std::vector<Individual>& individuals);
  void sort_population();
  Policy policy_for(const Arch& arch, Policy candidate) const;
  BlockBits random_bits();

  const SearchSpace* space_;
  EvolutionConfig config_;
  FitnessFn fitness_;
  CostFn cost_;
  Rng rng_;
  std::vector<Individual> population_;
  std::vector<float> best_history_;
  int generation_ = 0;
  bool initialized_ = false;
  bool shrinking_ = false;  // random draws failed max_attempts times: shrink them into the budget
  long long evaluated_ = 0;
  long long rejected_ = 0;
};

// Stable best-first order by fitness; NaN last.
void sort_best_first(std::vector<Individual>& individuals);
// Stable NSGA-II order over (fitness, cost on axis): front by front, most isolated first.
void sort_nsga2(std::vector<Individual>& individuals, CostAxis axis);
// The non-dominated individuals over (fitness, cost on axis), cheapest first.
std::vector<Individual> pareto_front(const std::vector<Individual>& individuals, CostAxis axis);

// Plain-number form of individuals (for migration across ranks and for files):
// genes = depth per stage, then kernel, width, and 4 bit widths per slot (gene_count ints);
// values = fitness, latency_ms, energy_mj, bitops, macs (kIndividualValues doubles).
constexpr int kIndividualValues = 5;
int gene_count(const SearchSpace& space);
void pack_individual(const SearchSpace& space, const Individual& ind, std::vector<std::int32_t>& genes,
                     std::vector<double>& values);  // appends
// Throws std::invalid_argument when the genes are not a valid, canonical (arch, policy) of the space.
Individual unpack_individual(const SearchSpace& space, const std::int32_t* genes, const double* values);

}  // namespace apq
