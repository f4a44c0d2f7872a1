// What a rank's workers compute for a work item, by task: evaluate a subnet (collect-fp),
// fine-tune and evaluate a quantized subnet (collect-quant, finalize, and finalize's recipe on a
// labelled item: finalize-gain). Items carry the
// architecture and policy as readable strings; results carry the task's typed answer
// (pipeline/task_payloads.hpp). The supernet is loaded from supernet.h5 on first use and shared by
// the rank's workers.
//
// Accuracy labels (collect-fp, collect-quant) are measured with one fixed set of calibration and
// fine-tuning images for every item, drawn from the run seed: a different random subset per item
// would add its own noise to every label (docs/LABELS.md).
#pragma once
#include <memory>
#include <mutex>

#include "actors/messages.hpp"
#include "kernels/supernet_jobs.hpp"
#include "pipeline/run_context.hpp"

namespace apq {

// Work item tasks.
namespace task {
inline constexpr const char* collect_fp = "collect-fp";        // answers FpAnswer
inline constexpr const char* collect_quant = "collect-quant";  // answers QuantAnswer
inline constexpr const char* finalize = "finalize";            // answers FinalAnswer
inline constexpr const char* finalize_gain = "finalize-gain";  // answers QuantAnswer (quant only)
}  // namespace task

// The seed of the images every label of a run is measured with (the same for every item).
std::uint64_t label_seed(const RunContext& ctx);

class Workbench {
 public:
  explicit Workbench(const RunContext& ctx) : ctx_(ctx) {}
  actors::WorkResult run(const actors::WorkItem& item);

 private:
  SupernetHandle supernet();
  actors::WorkResult collect_fp(const actors::WorkItem& item, const SupernetHandle& net);
  actors::WorkResult collect_quant(const actors::WorkItem& item, const SupernetHandle& net);
  actors::WorkResult finalize(const actors::WorkItem& item, const SupernetHandle& net);
  actors::WorkResult finalize_gain(const actors::WorkItem& item, const SupernetHandle& net);

  const RunContext& ctx_;
  std::mutex mutex_;
  SupernetHandle net_;
  PreparedImages images_;  // the items' validation and fixed calibration images, made once
};

}  // namespace apq
