// The supernet training checkpoint as plain records: how far training went and its arrays.
// kernels/ makes and restores them; io/checkpoint_store saves them as supernet.h5.
#pragma once
#include <cstdint>
#include <string>

#include "base/named_arrays.hpp"

namespace apq {

struct CheckpointInfo {
  std::int64_t step = 0;         // optimizer steps taken over all phases
  std::string phase;             // the phase in progress or last finished (e.g. "kernel")
  std::int64_t phases_done = 0;  // phases completed
  bool completed = false;        // training finished: the supernet is final
  std::int64_t images_seen = 0;  // training images processed over all phases
};

struct SupernetCheckpoint : CheckpointInfo {
  NamedArrays weights;    // model parameters and buffers
  NamedArrays optimizer;  // optimizer state (e.g. momentum buffers)
};

}  // namespace apq
