// search.h5: evolution history and search results (layout in docs/HDF5.md). A file holds one
// result set per method, each in its own group (/joint, /staged): the history table grows one
// row per island and generation; the results are written once, at the end, and mark the set
// completed. Writes open the file, append, flush and close.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "io/run_meta.hpp"

namespace apq {

struct SearchBudget {  // 0 = no limit
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double bitops = 0.0;
};

struct HistoryRow {
  std::int64_t generation = 0;
  std::int64_t island = 0;
  double best_fitness = 0.0;  // the island's best predicted accuracy (fraction) this generation
  double mean_fitness = 0.0;  // mean over its population
  std::int64_t evaluated = 0;  // candidates the island has scored so far, up to and including this generation
};
inline constexpr const char* kHistoryColumns = "generation,island,best_fitness,mean_fitness,evaluated";

struct SearchResult {
  std::int32_t rank = 0;  // 0 = best
  std::string arch;
  std::string policy;
  double predicted_accuracy = 0.0;  // fraction
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double bitops = 0.0;
  std::int32_t island = 0;  // the island that found it
  double predicted_stddev = 0.0;  // spread of the predictor ensemble's members around predicted_accuracy
};

class SearchWriter {
 public:
  // Creates the file or reopens one of the same run and budget; adds the group for `method`
  // (letters, digits, '_') if it is new.
  SearchWriter(std::string path, RunMeta meta, std::string method, SearchBudget budget);
  const std::string& path() const { return path_; }
  std::int64_t history_rows() const;
  void append_history(const std::vector<HistoryRow>& rows);
  // Drops history rows after the first `rows` (a search restarting from an earlier generation).
  void truncate_history(std::int64_t rows);
  bool has_results() const;
  // Writes the results once; throws if this method's results are already stored.
  void write_results(const std::vector<SearchResult>& results);

 private:
  std::string path_;
  RunMeta meta_;
  std::string method_;
};

struct SearchSet {
  std::string method;
  bool completed = false;
  std::vector<HistoryRow> history;
  std::vector<SearchResult> results;
};
struct SearchFile {
  RunMeta meta;
  SearchBudget budget;
  std::vector<SearchSet> sets;  // in the order they were created
};
SearchFile read_search(const std::string& path);

// The predictor calls a search made: the sum over its islands of each island's final `evaluated`.
std::int64_t predictor_calls(const std::vector<HistoryRow>& history);

}  // namespace apq
