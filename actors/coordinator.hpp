// The coordinator of one stage: hands work items to workers on any rank, keeping at most
// `in_flight_per_worker` items at each worker (so every worker stays busy while none hoards
// work), collects results by item ID, retries a failed item on another worker (another rank
// first, when there is one) up to `max_attempts` tries, then records it as failed with its
// reason. A fatal result (an error no retry can fix) ends the stage at once with that error,
// recording nothing. Prints "stage: done/total (rate/s, ETA ...)" every progress interval.
// Backup tasks (as MapReduce does for stragglers): once nothing waits for a worker, an item in
// flight far longer than the finished items took (a slow, stalled or stopped worker) gets a second
// copy on an idle worker, another rank first; the first result wins and the other is dropped, so
// each item still reaches on_result once. Items are deterministic in their seed, so either copy
// gives the same answer.
#pragma once
#include <cstdint>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include <caf/all.hpp>

#include "actors/messages.hpp"
#include "actors/router.hpp"

namespace apq::actors {

class Node;

struct StageOptions {
  std::string name = "stage";
  int max_attempts = 3;          // tries per item, first one included
  int in_flight_per_worker = 2;  // queued at a worker while it computes, hides round trips
  double progress_interval_seconds = 10.0;
  // A backup copy goes out for an item in flight longer than backup_factor x the median time of
  // the finished tries and at least backup_min_seconds; backup_factor 0 turns backups off.
  double backup_factor = 4.0;
  double backup_min_seconds = 5.0;
  std::function<void(const std::string&)> progress;  // default: one line on stdout
  // Called on the coordinator as each item's final result arrives (ok, or failed after its
  // last attempt), so a writer can append it at once: a crash then loses only items in flight.
  // An exception from it stops the stage (run_stage throws it).
  std::function<void(const WorkResult&)> on_result;
};

struct StageReport {
  std::string stage;
  std::vector<WorkResult> results;          // exactly one per item, sorted by id
  std::vector<WorkResult> failed_attempts;  // every failed try, in the order they came back
  std::size_t failed = 0;                   // items whose last try failed
  std::size_t backups = 0;                  // backup copies sent (their losing results are dropped)
  double seconds = 0;
  const WorkResult* find(std::uint64_t id) const;  // nullptr if the id was not in the stage
};

// Items with stable IDs and seeds derive_seed(run_seed, stream_tag(stage), id), task = stage.
std::vector<WorkItem> make_items(const std::vector<std::uint64_t>& ids, std::uint64_t run_seed,
                                 const std::string& stage);
// IDs 0..total-1 except those already done (resume).
std::vector<std::uint64_t> ids_to_run(std::uint64_t total, const std::set<std::uint64_t>& done);

// Which pending item a free worker may take, given where the item already failed: a worker
// on a rank where it has not failed; once it failed on every rank, a worker it has not
// failed on; once it failed on every worker, any worker.
struct RetryHistory {
  std::set<int> failed_ranks;
  std::set<std::size_t> failed_workers;
};
bool may_run_on(const RetryHistory& history, std::size_t worker, int worker_rank,
                const std::set<int>& all_ranks, std::size_t num_workers);

using run_atom = caf::atom_constant<caf::atom("apq_run")>;

// The coordinator answers one run_atom request with the StageReport, then quits.
caf::actor spawn_coordinator(caf::actor_system& system, Router router,
                             std::vector<Address> workers, std::vector<WorkItem> items,
                             StageOptions options);

// Runs one stage from a thread that is not an actor (rank 0's main) and blocks until every
// item has a result. Throws std::invalid_argument on duplicate IDs or no workers.
StageReport run_stage(Node& node, const std::vector<Address>& workers, std::vector<WorkItem> items,
                      StageOptions options);

}  // namespace apq::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(apq::actors::StageReport)
