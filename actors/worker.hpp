// A worker: answers WorkItem requests by calling a plain function, so the pipeline plugs in
// real kernels without touching actor code. An exception from the function fails that item
// (status failed, error = what()), never the worker or the run. Workers are detached actors:
// each has its own thread, so a long computation does not block the CAF scheduler.
#pragma once
#include <functional>
#include <stdexcept>

#include <caf/all.hpp>

#include "actors/messages.hpp"

namespace apq::actors {

// Computes one item. Return a result with its answer; the worker fills id, rank, worker
// index and attempt. Throw (or return status failed with an error) to fail the item; throw
// FatalWorkError for an error no retry can fix, which stops the whole stage.
using WorkFn = std::function<WorkResult(const WorkItem&)>;

class FatalWorkError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

caf::actor spawn_worker(caf::actor_system& system, WorkFn fn, int rank, int index);

// What the worker does with one item (also usable without an actor, e.g. in tests).
WorkResult run_work_item(const WorkFn& fn, const WorkItem& item, int rank, int index);

}  // namespace apq::actors
