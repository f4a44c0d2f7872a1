// The MPI transport of one rank. One thread (started by start()) makes every MPI call while
// it runs: it sends queued envelopes (MPI_Isend), receives arrivals (into receives posted
// ahead, actors/posted_receives.hpp), checks them, and delivers them to local actors registered by
// name. Other threads only queue work (post, shutdown_all, abort_all), so MPI_THREAD_SERIALIZED
// suffices; construction and destruction are collective and happen on the caller's thread.
#pragma once
#include <mpi.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include <caf/all.hpp>

#include "actors/codec.hpp"
#include "actors/envelope.hpp"
#include "actors/message_registry.hpp"

namespace apq::actors {

class Heartbeats;
class PostedReceives;

struct TransportOptions {
  // How long an aborting rank waits for its Abort envelopes to leave before MPI_Abort.
  double abort_deadline_seconds = 2.0;
  // Upper bound of the idle back-off sleep; arrivals wait at most about this long.
  int max_idle_sleep_us = 200;
  // After sending, the thread first polls MPI without giving up the core for poll_us (an
  // answer often follows within a microsecond, and a sched_yield costs about as much as a
  // round trip); otherwise, and then, it polls yielding the core until spin_us, then sleeps.
  // Only after a send: after an arrival the core goes to the actor that has to handle it.
  int poll_us = 20;
  int spin_us = 300;
  // Liveness (actors/heartbeat.hpp): a heartbeat every interval to the ranks that watch this
  // one; a watched rank silent for longer than the timeout stops the job naming it. 0 = off.
  double heartbeat_interval_seconds = 1.0;
  double heartbeat_timeout_seconds = 30.0;
};

struct TransportStats {
  std::uint64_t sent = 0, received = 0, rejected = 0, bytes_sent = 0, bytes_received = 0;
};

// The exit code of a job stopped because a rank or node was lost (EX_TEMPFAIL): nothing is wrong
// with the run, and rerunning the same command resumes it; slurm/apq.sh requeues on it.
inline constexpr int kExitRankLost = 75;

class Transport {
 public:
  // Collective over `comm` (duplicated for our traffic). `provided_level` is what
  // MPI_Init_thread returned; below MPI_THREAD_SERIALIZED throws std::runtime_error. Throws
  // std::runtime_error naming the ranks if their message registries differ.
  Transport(MPI_Comm comm, int provided_level, const MessageRegistry& registry,
            TransportOptions options = {});
  // Stops and joins the thread if needed, frees the communicator. Call before MPI_Finalize.
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  int rank() const { return rank_; }
  int size() const { return size_; }
  int thread_level() const { return thread_level_; }
  const MessageRegistry& registry() const { return registry_; }

  // The gateway actor receives replies and requests to serve (actors/gateway.hpp).
  void set_gateway(caf::actor gateway);
  void register_actor(const std::string& name, caf::actor actor);
  caf::actor find_actor(const std::string& name) const;  // invalid handle if unknown
  // An endpoint served on the transport thread itself, without an actor: for tells that
  // need no CAF hop (the benchmark's echo, low-latency control). Must return quickly and
  // must not block; it may call post(). Register before start().
  using Endpoint = std::function<void(const EnvelopeView& envelope)>;
  void register_endpoint(const std::string& name, Endpoint endpoint);
  // Drops every actor handle (before the actor system is destroyed; transport stopped).
  void detach_actors();

  // Starts the transport thread. Its first step is a barrier, so every rank registers its
  // actors before any envelope flows.
  void start();
  // Queues a finished envelope for `dst_rank` (any thread; our own rank is delivered locally).
  // Called by an endpoint on the transport thread, it sends at once.
  void post(int dst_rank, Envelope wire);
  // Tells every rank to stop once queued sends are out, then stops this one (any thread).
  void shutdown_all();
  // Logs the reason, sends Abort to every other rank, then MPI_Abort after the deadline.
  [[noreturn]] void abort_all(const std::string& reason);
  // Blocks until the transport stopped: 0 after a clean shutdown.
  int wait();
  bool running() const { return running_.load(); }
  // True once shutdown_all() was called here or a Shutdown arrived.
  bool shutting_down();
  TransportStats stats() const;

 private:
  void loop();
  bool send_outbox();
  void isend(int dst_rank, Envelope wire);  // on the transport thread only
  bool receive_arrivals();
  bool complete_sends();
  void handle_arrival(std::shared_ptr<const Bytes> wire, int source);
  void handle_control(const EnvelopeView& view);
  void deliver(const EnvelopeView& view, int source);
  void reject(int source, std::size_t size, const std::string& reason);
  void reply_error(const EnvelopeHeader& request, const std::string& reason);
  // `exit_code` is what MPI_Abort hands the launcher (kExitRankLost for a lost rank).
  [[noreturn]] void abort_from_thread(const std::string& reason, int exit_code = 1);
  void idle(int idle_rounds);
  void wait_request(MPI_Request& request);
  void finish(int exit_code);
  void gather_node_names();
  // Every few rounds: sends heartbeats that are due, stops the job if a watched rank is silent.
  void keep_heartbeats();

  MPI_Comm comm_ = MPI_COMM_NULL;
  int rank_ = 0, size_ = 1, thread_level_ = 0;
  const MessageRegistry& registry_;
  TransportOptions options_;

  mutable std::mutex actors_mutex_;
  std::unordered_map<std::string, caf::actor> actors_;
  caf::actor gateway_;
  std::unordered_map<std::string, Endpoint> endpoints_;  // fixed once started

  std::mutex outbox_mutex_;
  std::condition_variable outbox_cv_;
  std::deque<std::pair<int, Envelope>> outbox_;
  // Written under outbox_mutex_ (the sleep's predicate reads them); atomic so that the loop
  // can look without taking the lock on every round.
  std::atomic<bool> shutdown_requested_{false};
  std::atomic<bool> outbox_filled_{false};  // outbox_ is not empty
  bool closed_ = false;  // posts are dropped; written by the transport thread under outbox_mutex_
  std::string abort_reason_;         // guarded by outbox_mutex_
  std::atomic<bool> abort_requested_{false};

  std::vector<std::string> node_names_;  // rank 0: every rank's host; other ranks: their own and rank 0's

  // Owned by the transport thread.
  std::unique_ptr<PostedReceives> posted_;  // while the loop runs
  std::unique_ptr<Heartbeats> heartbeats_;   // while the loop runs
  int rounds_since_heartbeat_ = 0;
  std::vector<MPI_Request> send_requests_;
  std::vector<Envelope> send_buffers_;
  std::vector<int> completed_indices_;
  std::chrono::steady_clock::time_point idle_since_;
  std::chrono::steady_clock::duration idle_for_{};
  int sleep_us_ = 10;
  bool sent_last_ = false;  // the last activity was a send: an answer may follow at once
  std::vector<std::pair<int, Envelope>> sending_;  // swapped out of the outbox

  std::thread thread_;
  std::atomic<std::thread::id> loop_thread_{};  // set by the thread itself (post() reads it)
  std::atomic<bool> running_{false};
  std::mutex done_mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  int exit_code_ = 0;

  // Written by the transport thread only, read by stats() from any thread.
  std::atomic<std::uint64_t> sent_{0}, received_{0}, rejected_{0}, bytes_sent_{0},
      bytes_received_{0};
  // With one writer, a plain add published by a relaxed store does instead of a locked
  // read-modify-write on every message.
  static void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
    counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
  }
};

}  // namespace apq::actors
