#include "actors/coordinator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <deque>
#include <iostream>
#include <map>
#include <memory>
#include <unordered_map>

#include "actors/node.hpp"
#include "actors/progress.hpp"
#include "base/rng.hpp"

namespace apq::actors {
namespace {

using tick_atom = caf::atom_constant<caf::atom("apq_tick")>;
using backup_atom = caf::atom_constant<caf::atom("apq_backup")>;
using Clock = std::chrono::steady_clock;

struct Copy {  // one try of an item in flight
  std::size_t worker = 0;
  Clock::time_point since;
};

struct Pending {
  WorkItem item;
  RetryHistory history;
  std::vector<Copy> copies;  // in flight: one, or two once a backup went out
};

struct Core {
  Core(Router r, std::vector<Address> w, StageOptions o)
      : router(std::move(r)), workers(std::move(w)), options(std::move(o)) {}
  std::chrono::milliseconds interval() const {
    return std::chrono::milliseconds(
        std::max<long long>(1, std::llround(options.progress_interval_seconds * 1000)));
  }
  Router router;
  std::vector<Address> workers;
  StageOptions options;
  std::set<int> worker_ranks;
  std::unordered_map<std::uint64_t, Pending> pending;  // not finished yet
  std::deque<std::uint64_t> queue;                     // waiting for a worker
  std::vector<int> in_flight;
  std::map<std::uint64_t, WorkResult> results;
  std::vector<double> try_seconds;  // dispatch-to-result time of every finished try
  StageReport report;
  std::size_t total = 0;
  Clock::time_point start;
  caf::response_promise promise;
  bool running = false;

  double elapsed() const { return std::chrono::duration<double>(Clock::now() - start).count(); }
  void print_progress() const {
    options.progress(
        progress_line(options.name, results.size(), total, report.failed, elapsed()));
  }
};

void dispatch(caf::event_based_actor* self, const std::shared_ptr<Core>& core);

// Removes worker w's copy of p from the in-flight list and returns how long it ran.
double finish_copy(Pending& p, std::size_t w) {
  auto copy = std::find_if(p.copies.begin(), p.copies.end(), [w](const Copy& c) { return c.worker == w; });
  if (copy == p.copies.end()) return 0.0;
  const double seconds = std::chrono::duration<double>(Clock::now() - copy->since).count();
  p.copies.erase(copy);
  return seconds;
}

// Hands a final result to the stage's on_result hook; if the hook throws, the stage ends with
// that error (the caller of run_stage sees it) and false is returned.
bool deliver_result(caf::event_based_actor* self, Core& c, const WorkResult& result) {
  if (!c.options.on_result) return true;
  try {
    c.options.on_result(result);
    return true;
  } catch (const std::exception& e) {
    c.running = false;
    c.promise.deliver(caf::make_error(caf::sec::runtime_error,
                                      "handling the result of item " + std::to_string(result.id) + ": " + e.what()));
    self->quit();
    return false;
  }
}

void on_result(caf::event_based_actor* self, const std::shared_ptr<Core>& core, std::size_t w,
               WorkResult result) {
  Core& c = *core;
  --c.in_flight[w];
  auto it = c.pending.find(result.id);
  if (it == c.pending.end()) {  // the losing copy of an item a backup (or its original) finished
    if (c.running) dispatch(self, core);
    return;
  }
  c.try_seconds.push_back(finish_copy(it->second, w));
  if (result.status == WorkStatus::fatal) {
    // No retry can fix it and no item is to blame: stop the stage, record nothing.
    c.running = false;
    c.promise.deliver(caf::make_error(caf::sec::runtime_error, result.error));
    self->quit();
    return;
  }
  if (result.status == WorkStatus::ok) {
    if (!deliver_result(self, c, result)) return;
    c.results[result.id] = std::move(result);
    c.pending.erase(it);
  } else {
    Pending& p = it->second;
    c.report.failed_attempts.push_back(result);
    p.history.failed_ranks.insert(c.workers[w].rank);
    p.history.failed_workers.insert(w);
    const int tries = static_cast<int>(p.item.attempt) + 1;
    if (!p.copies.empty()) {
      // Its other copy is still running: that one decides.
    } else if (tries < c.options.max_attempts) {
      p.item.attempt = static_cast<std::uint32_t>(tries);
      c.queue.push_front(result.id);  // retry soon, on another worker
    } else {
      result.error = "failed " + std::to_string(tries) + " time(s), last on " +
                     to_string(c.workers[w]) + ": " + result.error;
      if (!deliver_result(self, c, result)) return;
      c.results[result.id] = std::move(result);
      ++c.report.failed;
      c.pending.erase(it);
    }
  }
  if (c.results.size() == c.total) {
    c.running = false;
    c.report.seconds = c.elapsed();
    c.print_progress();
    for (auto& [id, r] : c.results) c.report.results.push_back(std::move(r));
    c.promise.deliver(std::move(c.report));
    self->quit();
    return;
  }
  dispatch(self, core);
}

// Sends item id to worker w and tracks the copy.
void send_copy(caf::event_based_actor* self, const std::shared_ptr<Core>& core, std::size_t w, std::uint64_t id) {
  Core& c = *core;
  Pending& p = c.pending.at(id);
  p.copies.push_back({w, Clock::now()});
  ++c.in_flight[w];
  const Address worker = c.workers[w];
  c.router.request(self, worker, p.item)
      .then([self, core, w](WorkResult& r) { on_result(self, core, w, std::move(r)); },
            [self, core, w, id, worker](caf::error& err) {
              WorkResult r;
              r.id = id;
              r.status = WorkStatus::failed;
              r.error = "no answer from " + to_string(worker) + ": " + self->system().render(err);
              r.rank = worker.rank;
              r.attempt = core->pending.count(id) ? core->pending.at(id).item.attempt : 0;
              on_result(self, core, w, std::move(r));
            });
}

double median(std::vector<double> v) {
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  return v[v.size() / 2];
}

// With nothing queued, the items in flight past the backup threshold, longest first, each get a
// second copy on an idle worker, one on another rank than the first copy's when there is one
// (one backup per item).
void send_backups(caf::event_based_actor* self, const std::shared_ptr<Core>& core) {
  Core& c = *core;
  if (!(c.options.backup_factor > 0) || c.try_seconds.empty()) return;
  const double threshold = std::max(c.options.backup_min_seconds, c.options.backup_factor * median(c.try_seconds));
  const auto now = Clock::now();
  std::vector<std::pair<double, std::uint64_t>> late;  // (seconds in flight, id)
  for (const auto& [id, p] : c.pending) {
    if (p.copies.size() != 1) continue;
    const double running = std::chrono::duration<double>(now - p.copies[0].since).count();
    if (running > threshold) late.emplace_back(running, id);
  }
  std::sort(late.rbegin(), late.rend());
  for (const auto& [running, id] : late) {
    const std::size_t holder = c.pending.at(id).copies[0].worker;
    const int holder_rank = c.workers[holder].rank;
    std::size_t pick = c.workers.size();
    for (std::size_t w = 0; w < c.workers.size(); ++w) {
      if (c.in_flight[w] > 0 || w == holder) continue;
      if (pick == c.workers.size() || (c.workers[pick].rank == holder_rank && c.workers[w].rank != holder_rank)) pick = w;
    }
    if (pick == c.workers.size()) return;  // no idle worker left
    c.options.progress(c.options.name + ": item " + std::to_string(id) + " has been on " + to_string(c.workers[holder]) +
                       " for " + std::to_string(static_cast<long long>(running)) + " s; backup copy sent to " +
                       to_string(c.workers[pick]));
    ++c.report.backups;
    send_copy(self, core, pick, id);
  }
}

void dispatch(caf::event_based_actor* self, const std::shared_ptr<Core>& core) {
  Core& c = *core;
  for (int round = 0; round < c.options.in_flight_per_worker; ++round) {
    for (std::size_t w = 0; w < c.workers.size() && !c.queue.empty(); ++w) {
      if (c.in_flight[w] > round) continue;
      auto pick = std::find_if(c.queue.begin(), c.queue.end(), [&](std::uint64_t id) {
        return may_run_on(c.pending.at(id).history, w, c.workers[w].rank, c.worker_ranks,
                          c.workers.size());
      });
      if (pick == c.queue.end()) continue;
      const std::uint64_t id = *pick;
      c.queue.erase(pick);
      send_copy(self, core, w, id);
    }
  }
  if (c.queue.empty()) send_backups(self, core);
}

caf::behavior coordinator(caf::event_based_actor* self, std::shared_ptr<Core> core) {
  return {
      [self, core](run_atom) -> caf::response_promise {
        Core& c = *core;
        c.promise = self->make_response_promise();
        c.start = Clock::now();
        if (c.total == 0) {
          c.print_progress();
          c.promise.deliver(std::move(c.report));
          self->quit();
          return c.promise;
        }
        c.running = true;
        dispatch(self, core);
        self->delayed_send(self, c.interval(), tick_atom::value);
        if (c.options.backup_factor > 0) self->delayed_send(self, std::chrono::seconds(1), backup_atom::value);
        return c.promise;
      },
      [self, core](tick_atom) {
        if (!core->running) return;
        core->print_progress();
        self->delayed_send(self, core->interval(), tick_atom::value);
      },
      [self, core](backup_atom) {  // stalled workers send no results that would trigger a dispatch
        if (!core->running) return;
        if (core->queue.empty()) send_backups(self, core);
        self->delayed_send(self, std::chrono::seconds(1), backup_atom::value);
      },
  };
}

}  // namespace

const WorkResult* StageReport::find(std::uint64_t id) const {
  auto it = std::lower_bound(results.begin(), results.end(), id,
                             [](const WorkResult& r, std::uint64_t x) { return r.id < x; });
  return it != results.end() && it->id == id ? &*it : nullptr;
}

std::vector<WorkItem> make_items(const std::vector<std::uint64_t>& ids, std::uint64_t run_seed,
                                 const std::string& stage) {
  const std::uint64_t stream = stream_tag(stage.c_str());
  std::vector<WorkItem> items(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    items[i].id = ids[i];
    items[i].seed = derive_seed(run_seed, stream, ids[i]);
    items[i].task = stage;
  }
  return items;
}

std::vector<std::uint64_t> ids_to_run(std::uint64_t total, const std::set<std::uint64_t>& done) {
  std::vector<std::uint64_t> ids;
  for (std::uint64_t id = 0; id < total; ++id)
    if (!done.count(id)) ids.push_back(id);
  return ids;
}

bool may_run_on(const RetryHistory& history, std::size_t worker, int worker_rank,
                const std::set<int>& all_ranks, std::size_t num_workers) {
  if (!history.failed_ranks.count(worker_rank)) return true;
  const bool failed_on_every_rank =
      std::includes(history.failed_ranks.begin(), history.failed_ranks.end(), all_ranks.begin(),
                    all_ranks.end());
  if (!failed_on_every_rank) return false;
  if (!history.failed_workers.count(worker)) return true;
  return history.failed_workers.size() >= num_workers;
}

caf::actor spawn_coordinator(caf::actor_system& system, Router router,
                             std::vector<Address> workers, std::vector<WorkItem> items,
                             StageOptions options) {
  if (options.max_attempts < 1)
    throw std::invalid_argument("stage " + options.name + ": max_attempts must be >= 1");
  if (options.in_flight_per_worker < 1)
    throw std::invalid_argument("stage " + options.name + ": in_flight_per_worker must be >= 1");
  if (!(options.progress_interval_seconds > 0))
    throw std::invalid_argument("stage " + options.name + ": progress interval must be > 0");
  if (!(options.backup_factor >= 0) || !(options.backup_min_seconds >= 0))
    throw std::invalid_argument("stage " + options.name + ": backup factor and minimum must be >= 0");
  if (workers.empty() && !items.empty())
    throw std::invalid_argument("stage " + options.name + ": no workers to run " +
                                std::to_string(items.size()) + " items");
  if (!options.progress)
    options.progress = [](const std::string& line) { std::cout << line << std::endl; };
  auto core = std::make_shared<Core>(std::move(router), std::move(workers), std::move(options));
  core->report.stage = core->options.name;
  core->total = items.size();
  core->in_flight.assign(core->workers.size(), 0);
  for (const auto& w : core->workers) core->worker_ranks.insert(w.rank);
  for (auto& item : items) {
    const std::uint64_t id = item.id;
    item.attempt = 0;
    if (!core->pending.emplace(id, Pending{std::move(item), {}, {}}).second)
      throw std::invalid_argument("stage " + core->options.name + ": item id " +
                                  std::to_string(id) + " appears twice");
    core->queue.push_back(id);
  }
  return system.spawn(coordinator, core);
}

StageReport run_stage(Node& node, const std::vector<Address>& workers, std::vector<WorkItem> items,
                      StageOptions options) {
  const std::string name = options.name;
  caf::actor coord = spawn_coordinator(node.system(), node.router(), workers, std::move(items),
                                       std::move(options));
  caf::scoped_actor self{node.system()};
  StageReport report;
  std::string error;
  self->request(coord, caf::infinite, run_atom::value)
      .receive([&](StageReport& r) { report = std::move(r); },
               [&](caf::error& err) {
                 // The coordinator's own errors carry their text as the context: show just that.
                 const caf::message& context = err.context();
                 error = context.size() == 1 && context.match_element<std::string>(0) ? context.get_as<std::string>(0)
                                                                                        : node.system().render(err);
               });
  if (!error.empty()) throw std::runtime_error(name + ": " + error);
  return report;
}

}  // namespace apq::actors
