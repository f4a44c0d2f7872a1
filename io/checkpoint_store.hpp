// supernet.h5: the supernet training checkpoint (layout in docs/HDF5.md). Saved as a whole into
// "<path>.tmp" and renamed over the previous one, so a kill during a save keeps the last complete
// checkpoint. A file of another run is never replaced.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

#include "base/checkpoint.hpp"
#include "io/run_meta.hpp"

namespace apq {

// Refuses (throws, leaving the file alone) when path holds a file that is not this run's supernet.
void save_checkpoint(const std::string& path, const RunMeta& meta, const SupernetCheckpoint& checkpoint);

// nullopt when there is no checkpoint yet; throws for a file of another run or a damaged one.
std::optional<SupernetCheckpoint> load_checkpoint(const std::string& path, const RunMeta& meta);

// The attributes only (no arrays), for any supernet file; also how many arrays and values it holds.
struct CheckpointSummary : CheckpointInfo {
  RunMeta meta;
  std::int64_t weight_arrays = 0, weight_values = 0;
  std::int64_t optimizer_arrays = 0, optimizer_values = 0;
};
CheckpointSummary read_checkpoint_summary(const std::string& path);

}  // namespace apq
