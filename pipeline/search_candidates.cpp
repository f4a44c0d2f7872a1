#include "pipeline/search_candidates.hpp"

#include <iomanip>
#include <sstream>

#include "io/hdf5_file.hpp"

namespace apq {

SearchBudget store_budget(const Budget& b) { return {b.latency_ms, b.energy_mj, b.bitops}; }

SearchResult to_result(const RunContext& ctx, const PredictorEnsemble& predictor, const Individual& ind, int rank,
                       int island) {
  SearchResult r;
  r.rank = rank;
  r.arch = to_string(*ctx.space, ind.arch);
  r.policy = to_string(*ctx.space, ind.arch, ind.policy);
  std::vector<float> mean, spread;
  predictor.predict({ind.arch}, {ind.policy}, mean, spread);
  r.predicted_accuracy = mean.front();
  r.predicted_stddev = spread.front();
  r.latency_ms = ind.costs.latency_ms;
  r.energy_mj = ind.costs.energy_mj;
  r.bitops = ind.costs.bitops;
  r.island = island;
  return r;
}

std::string describe(const SearchResult& r) {
  std::ostringstream out;
  out << std::setprecision(4) << "predicted top-1 " << r.predicted_accuracy << " +- " << r.predicted_stddev
      << ", latency " << r.latency_ms << " ms, energy " << r.energy_mj << " mJ, BitOps " << r.bitops
      << "\n    arch   " << r.arch << "\n    policy " << r.policy;
  return out.str();
}

bool has_results(const std::string& path, const std::string& method) {
  if (!h5::file_exists(path)) return false;
  for (const auto& set : read_search(path).sets)
    if (set.method == method && set.completed) return true;
  return false;
}

void write_search_set(const RunContext& ctx, const std::string& path, const std::string& method, const Budget& budget,
                      const std::vector<HistoryRow>& history, const std::vector<SearchResult>& results) {
  SearchWriter writer(path, ctx.meta, method, store_budget(budget));
  writer.truncate_history(0);
  writer.append_history(history);
  writer.write_results(results);
}

Costs costs_of(const SearchResult& r) { return {r.latency_ms, r.energy_mj, r.bitops, 0.0}; }

}  // namespace apq
