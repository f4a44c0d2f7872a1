#include "actors/worker.hpp"

#include <exception>

namespace apq::actors {

WorkResult run_work_item(const WorkFn& fn, const WorkItem& item, int rank, int index) {
  WorkResult result;
  try {
    result = fn(item);
    if (result.status == WorkStatus::failed && result.error.empty())
      result.error = "failed without a reason";
  } catch (const FatalWorkError& e) {
    result = WorkResult{};
    result.status = WorkStatus::fatal;
    result.error = e.what();
  } catch (const std::exception& e) {
    result = WorkResult{};
    result.status = WorkStatus::failed;
    result.error = e.what();
  } catch (...) {
    result = WorkResult{};
    result.status = WorkStatus::failed;
    result.error = "unknown exception (not derived from std::exception)";
  }
  result.id = item.id;
  result.rank = rank;
  result.worker = index;
  result.attempt = item.attempt;
  return result;
}

caf::actor spawn_worker(caf::actor_system& system, WorkFn fn, int rank, int index) {
  return system.spawn<caf::detached>([fn = std::move(fn), rank, index]() -> caf::behavior {
    return {
        [fn, rank, index](const WorkItem& item) { return run_work_item(fn, item, rank, index); },
    };
  });
}

}  // namespace apq::actors
