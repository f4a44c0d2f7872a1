// final.h5: the finalized candidates (layout in docs/HDF5.md): the /report columns, one row per
// candidate, and each candidate's network in /models/<rank>: its fine-tuned state dict under the
// names PyTorch users expect (state_dict/blocks.0.dw.conv.weight), its blocks as a table and its
// input normalisation as attributes. Each added
// candidate rewrites the file through "<path>.tmp" and a rename, so the file always holds whole
// candidates (report row and weights together) and resume can skip ranks already there.
#pragma once
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "io/named_arrays.hpp"
#include "io/run_meta.hpp"

namespace apq {

// One active block of a finalized network, in forward order: row i is blocks.<i> of the state dict.
struct FinalBlock {
  std::int32_t slot = 0, stage = 0, kernel = 0, in_channels = 0, mid_channels = 0, out_channels = 0, stride = 1,
               residual = 0, pw_w_bits = 0, pw_a_bits = 0, dw_w_bits = 0, dw_a_bits = 0;
};

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
  NamedArrays state_dict;  // empty when read without weights
  double predicted_stddev = 0.0;  // spread of the predictor ensemble around predicted_accuracy
  std::string method = "joint";   // the search.h5 group it came from (joint, staged, random, uniform8, ...)
  std::int64_t val_images = 0;    // images behind val_accuracy and test_accuracy (their standard errors)
  std::int64_t test_images = 0;
  std::vector<FinalBlock> blocks;
  // The network takes (pixel / 255 - mean) / stddev; stddev 0 in files written before it was kept.
  float input_mean = 0.0f, input_stddev = 0.0f;
  // Validation top-1 of the same subnet measured as collect-quant measures a label (its shorter
  // fine-tune), which is what predicted_accuracy predicts; NaN in files written before it was kept.
  double label_recipe_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  // predicted_accuracy plus the gain of finalize's recipe measured on labelled items before the
  // finalists (finalize.gain-items): a forecast of val_accuracy; NaN when no gain was measured.
  double forecast_val_accuracy = std::numeric_limits<double>::quiet_NaN();
  // The forecast's expected error (1 sd): the search predictor's held-out RMSE and the gain's
  // spread over the gain items, combined; NaN with no forecast.
  double forecast_stddev = std::numeric_limits<double>::quiet_NaN();
};

// Adds one candidate, keeping the others, and records val_indices (the validation images); throws
// (file untouched) if its rank is already stored or the file belongs to another run.
void add_final_entry(const std::string& path, const RunMeta& meta, const FinalEntry& entry,
                     const std::vector<std::int32_t>& val_indices = {});

struct FinalFile {
  RunMeta meta;
  std::vector<FinalEntry> entries;  // in rank order
  // The validation images behind val_accuracy, as indices into the training file (/val_indices;
  // empty in files written before it was kept).
  std::vector<std::int32_t> val_indices;
};
FinalFile read_final(const std::string& path, bool with_weights);

// The ranks already in path (empty if there is no file); checks the run like add_final_entry.
std::set<std::int32_t> final_ranks(const std::string& path, const RunMeta& meta);

}  // namespace apq
