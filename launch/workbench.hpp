// What a rank's workers compute for a work item, by task: evaluate a subnet (collect-fp),
// fine-tune and evaluate a quantized subnet (collect-quant, finalize). Items carry the
// architecture and policy as readable strings; results carry accuracies in `values`.
// The supernet is loaded from supernet.h5 on first use and shared by the rank's workers.
#pragma once
#include <memory>
#include <mutex>

#include "actors/messages.hpp"
#include "kernels/supernet_jobs.hpp"
#include "launch/run_context.hpp"

namespace apq {

// Work item tasks and the layout of their result values.
namespace task {
inline constexpr const char* collect_fp = "collect-fp";        // values: top1, seconds
inline constexpr const char* collect_quant = "collect-quant";  // values: top1, fp_top1, seconds
inline constexpr const char* finalize = "finalize";            // values: val_top1, test_top1, weights..., seconds
}  // namespace task

// Weights in a result: names and shapes as text lines, the numbers appended to `values`.
void pack_arrays(const NamedArrays& arrays, std::string& text, std::vector<double>& values);
// The arrays packed in values[first, end).
NamedArrays unpack_arrays(const std::string& text, const std::vector<double>& values, std::size_t first, std::size_t end);

class Workbench {
 public:
  explicit Workbench(const RunContext& ctx) : ctx_(ctx) {}
  actors::WorkResult run(const actors::WorkItem& item);

 private:
  SupernetHandle supernet();
  actors::WorkResult collect_fp(const actors::WorkItem& item, const SupernetHandle& net);
  actors::WorkResult collect_quant(const actors::WorkItem& item, const SupernetHandle& net);
  actors::WorkResult finalize(const actors::WorkItem& item, const SupernetHandle& net);

  const RunContext& ctx_;
  std::mutex mutex_;
  SupernetHandle net_;
};

}  // namespace apq
