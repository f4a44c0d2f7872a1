// Image sets as normalised float tensors, made once and reused by every item a worker runs. All
// collect-fp and collect-quant items evaluate the same validation images and calibrate on the
// same fixed image sets (drawn from the label seed); each item used to convert them from bytes
// again (collect-quant converted the 10,000 validation images twice per item). Thread-safe.
// Entries are keyed by the set's address: a set must outlive the cache and not change while it
// lives. A sample keeps one entry per (set, count, kind), the latest seed's, so per-item seeds
// (finalize) replace their entry instead of piling up. Two same-sized samples from different
// seeds share that entry and replace each other (a collect-quant item's FP and quantized BN sets,
// 500 images each: well under a millisecond per item, against the 31 MB validation set kept).
// Torch-free: ImageTensors and Normalisation are kernels/batches.hpp's.
#pragma once
#include <cstdint>
#include <memory>

#include "base/image_set.hpp"

namespace apq {

struct ImageTensors;
struct Normalisation;

class PreparedImages {
 public:
  PreparedImages();
  ~PreparedImages();
  PreparedImages(const PreparedImages&) = delete;
  PreparedImages& operator=(const PreparedImages&) = delete;

  // to_tensors(set, norm): a streamed set stays streamed.
  std::shared_ptr<const ImageTensors> whole(const ImageSet& set, const Normalisation& norm);
  // The `count` images calibration_indices(set.count, count, seed) picks: read into memory
  // (calibration sets), or, with `view`, left where they are (a streamed set's fine-tune images).
  std::shared_ptr<const ImageTensors> sample(const ImageSet& set, int count, std::uint64_t seed,
                                             const Normalisation& norm, bool view = false);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace apq
