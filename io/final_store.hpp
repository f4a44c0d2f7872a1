// final.h5: the finalized candidates (layout in docs/HDF5.md): the /report columns, one row per
// candidate, and each candidate's fine-tuned weights in /models/<rank>/weights. Each added
// candidate rewrites the file through "<path>.tmp" and a rename, so the file always holds whole
// candidates (report row and weights together) and resume can skip ranks already there.
#pragma once
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "io/named_arrays.hpp"
#include "io/run_meta.hpp"

namespace apq {

struct FinalEntry {
  // Position in finalize's list: the joint search's top K in their order (0 = best predicted),
  // then one candidate per baseline method.
  std::int32_t rank = 0;
  std::string arch;
  std::string policy;
  double predicted_accuracy = 0.0;  // fractions
  double val_accuracy = 0.0;
  double test_accuracy = 0.0;
  double latency_ms = 0.0;
  double energy_mj = 0.0;
  double bitops = 0.0;
  std::int64_t fine_tune_epochs = 0;
  NamedArrays weights;  // empty when read without weights
  double predicted_stddev = 0.0;  // spread of the predictor ensemble around predicted_accuracy
  std::string method = "joint";   // the search.h5 group it came from (joint, staged, random, uniform8, ...)
  std::int64_t val_images = 0;    // images behind val_accuracy and test_accuracy (their standard errors)
  std::int64_t test_images = 0;
};

// Adds one candidate, keeping the others; throws (file untouched) if its rank is already stored
// or the file belongs to another run.
void add_final_entry(const std::string& path, const RunMeta& meta, const FinalEntry& entry);

struct FinalFile {
  RunMeta meta;
  std::vector<FinalEntry> entries;  // in rank order
};
FinalFile read_final(const std::string& path, bool with_weights);

// The ranks already in path (empty if there is no file); checks the run like add_final_entry.
std::set<std::int32_t> final_ranks(const std::string& path, const RunMeta& meta);

}  // namespace apq
