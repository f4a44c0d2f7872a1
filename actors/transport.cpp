#include "actors/transport.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <iterator>

#include <pthread.h>

#include "actors/heartbeat.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/posted_receives.hpp"

namespace apq::actors {
namespace {

constexpr int kMaxArrivalsPerRound = 64;
// Sends not yet completed; more wait in the outbox (keeps MPI_Testsome cheap under bursts).
constexpr std::size_t kMaxSendsInFlight = 256;
// Pending sends that make the loop ask MPI which have completed (else every 8th idle round).
constexpr std::size_t kCompleteSendsAt = 16;
// Loop rounds between heartbeat checks (a clock read): at most ~13 ms apart when idle.
constexpr int kRoundsPerHeartbeatCheck = 64;

const char* level_name(int level) {
  switch (level) {
    case MPI_THREAD_SINGLE: return "MPI_THREAD_SINGLE";
    case MPI_THREAD_FUNNELED: return "MPI_THREAD_FUNNELED";
    case MPI_THREAD_SERIALIZED: return "MPI_THREAD_SERIALIZED";
    case MPI_THREAD_MULTIPLE: return "MPI_THREAD_MULTIPLE";
  }
  return "unknown MPI thread level";
}

}  // namespace

Transport::Transport(MPI_Comm comm, int provided_level, const MessageRegistry& registry,
                     TransportOptions options)
    : thread_level_(provided_level), registry_(registry), options_(options) {
  if (provided_level < MPI_THREAD_SERIALIZED)
    throw std::runtime_error(std::string("the MPI transport runs on its own thread and needs "
                                         "MPI_THREAD_SERIALIZED or better; MPI provided ") +
                             level_name(provided_level));
  MPI_Comm_dup(comm, &comm_);
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
  unsigned long long mine = registry_.fingerprint(), low = 0, high = 0;
  MPI_Allreduce(&mine, &low, 1, MPI_UNSIGNED_LONG_LONG, MPI_MIN, comm_);
  MPI_Allreduce(&mine, &high, 1, MPI_UNSIGNED_LONG_LONG, MPI_MAX, comm_);
  if (low != high) {
    MPI_Comm_free(&comm_);
    throw std::runtime_error("message types differ between ranks (rank " + std::to_string(rank_) +
                             " has " + std::to_string(registry_.size()) +
                             " types, fingerprint " + std::to_string(mine) +
                             "): every rank must register the same list");
  }
  if (const std::string problem =
          Heartbeats::settings_problem(options_.heartbeat_interval_seconds, options_.heartbeat_timeout_seconds);
      !problem.empty()) {
    MPI_Comm_free(&comm_);
    throw std::invalid_argument(problem);
  }
  gather_node_names();
}

Transport::~Transport() {
  if (running_.load() && shutting_down()) wait();  // a clean shutdown on its way: let it end
  if (running_.load())
    abort_all("the transport was destroyed while running (the program failed before shutdown)");
  if (thread_.joinable()) thread_.join();
  MPI_Comm_free(&comm_);
}

void Transport::set_gateway(caf::actor gateway) { gateway_ = std::move(gateway); }

void Transport::register_actor(const std::string& name, caf::actor actor) {
  std::lock_guard<std::mutex> lock(actors_mutex_);
  if (!actors_.emplace(name, std::move(actor)).second)
    throw std::invalid_argument("an actor named '" + name + "' is already registered on rank " +
                                std::to_string(rank_));
}

caf::actor Transport::find_actor(const std::string& name) const {
  std::lock_guard<std::mutex> lock(actors_mutex_);
  auto it = actors_.find(name);
  return it == actors_.end() ? caf::actor{} : it->second;
}

void Transport::register_endpoint(const std::string& name, Endpoint endpoint) {
  if (running_.load()) throw std::logic_error("register_endpoint after start: " + name);
  if (!endpoints_.emplace(name, std::move(endpoint)).second)
    throw std::invalid_argument("endpoint '" + name + "' registered twice");
}

void Transport::detach_actors() {
  std::lock_guard<std::mutex> lock(actors_mutex_);
  actors_.clear();
  gateway_ = nullptr;
}

void Transport::start() {
  if (!gateway_) throw std::logic_error("Transport::start: no gateway set");
  if (thread_.joinable()) throw std::logic_error("Transport::start called twice");
  running_ = true;
  thread_ = std::thread([this] { loop(); });
}

void Transport::post(int dst_rank, Envelope wire) {
  if (dst_rank < 0 || dst_rank >= size_)
    throw std::invalid_argument("no rank " + std::to_string(dst_rank) + " (job has " +
                                std::to_string(size_) + " ranks)");
  if (wire.size() > static_cast<std::size_t>(INT_MAX))
    throw std::length_error("envelope of " + std::to_string(wire.size()) +
                            " bytes exceeds one MPI message (2 GiB)");
  // An endpoint answering on the transport thread sends at once instead of waiting for the
  // next loop round, when nothing queued earlier could be overtaken; without the lock: only
  // this thread writes closed_, and a post from another thread racing with this one has no
  // order to keep relative to it.
  if (std::this_thread::get_id() == loop_thread_.load() && !closed_ && dst_rank != rank_ && !outbox_filled_.load() &&
      send_requests_.size() < kMaxSendsInFlight) {
    isend(dst_rank, std::move(wire));
    return;
  }
  std::unique_lock<std::mutex> lock(outbox_mutex_);
  if (closed_) {
    log_line(rank_, "dropped an envelope for rank " + std::to_string(dst_rank) +
                        " posted after shutdown");
    return;
  }
  outbox_.emplace_back(dst_rank, std::move(wire));
  outbox_filled_ = true;
  outbox_cv_.notify_one();
}

void Transport::shutdown_all() {
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    EnvelopeHeader h;
    h.src_rank = rank_;
    h.dst_rank = r;
    h.type_id = Shutdown::type_id;
    h.dst_name = kTransportName;
    post(r, make_envelope(h, Shutdown{rank_}));
  }
  std::lock_guard<std::mutex> lock(outbox_mutex_);
  shutdown_requested_ = true;
  outbox_cv_.notify_one();
}

void Transport::abort_all(const std::string& reason) {
  log_line(rank_, "FATAL: " + reason + " -- stopping all ranks");
  if (running_.load() && std::this_thread::get_id() == thread_.get_id()) abort_from_thread(reason);
  if (running_.load()) {
    {
      std::lock_guard<std::mutex> lock(outbox_mutex_);
      abort_reason_ = reason;
      abort_requested_ = true;
      outbox_cv_.notify_one();
    }
    // The transport thread sends the Abort envelopes and calls MPI_Abort; this is the last
    // resort in case it cannot.
    const auto grace = std::chrono::duration<double>(options_.abort_deadline_seconds + 2.0);
    std::this_thread::sleep_for(grace);
    log_line(rank_, "transport did not abort in time; calling MPI_Abort");
  }
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

bool Transport::shutting_down() { return shutdown_requested_.load(); }

int Transport::wait() {
  std::unique_lock<std::mutex> lock(done_mutex_);
  done_cv_.wait(lock, [this] { return done_; });
  return exit_code_;
}

TransportStats Transport::stats() const {
  return {sent_.load(), received_.load(), rejected_.load(), bytes_sent_.load(),
          bytes_received_.load()};
}

void Transport::loop() {
  loop_thread_ = std::this_thread::get_id();
  pthread_setname_np(pthread_self(), "apq-transport");  // for top -H, perf, gdb
  try {
    posted_ = std::make_unique<PostedReceives>(comm_);
    MPI_Request barrier;
    MPI_Ibarrier(comm_, &barrier);  // every rank has registered its actors after this
    wait_request(barrier);
    heartbeats_ = std::make_unique<Heartbeats>(rank_, size_, options_.heartbeat_interval_seconds,
                                               options_.heartbeat_timeout_seconds, std::chrono::steady_clock::now());
    bool draining = false;
    bool closing = false;
    MPI_Request final_barrier = MPI_REQUEST_NULL;
    int idle_rounds = 0;
    for (;;) {
      if (abort_requested_.load()) {
        std::string reason;
        {
          std::lock_guard<std::mutex> lock(outbox_mutex_);
          reason = abort_reason_;
        }
        abort_from_thread(reason);
      }
      bool busy = send_outbox();
      busy |= receive_arrivals();
      // Small sends are done as soon as they are posted; asking MPI about them on every round
      // made each polling round twice as long, and an arrival waited for it.
      if (send_requests_.size() >= kCompleteSendsAt || idle_rounds % 8 == 7) busy |= complete_sends();
      if (!draining) draining = shutdown_requested_.load();
      // Once draining, ranks leave one by one: silence is expected then.
      if (!draining && ++rounds_since_heartbeat_ >= kRoundsPerHeartbeatCheck) keep_heartbeats();
      if (draining && !closing && send_requests_.empty()) {
        std::lock_guard<std::mutex> lock(outbox_mutex_);
        if (outbox_.empty()) {
          closed_ = true;  // nothing more leaves this rank; wait until every rank got here
          closing = true;
          MPI_Ibarrier(comm_, &final_barrier);
        }
      }
      if (closing) {
        int flag = 0;
        MPI_Test(&final_barrier, &flag, MPI_STATUS_IGNORE);
        if (flag) break;
      }
      idle_rounds = busy ? 0 : idle_rounds + 1;
      if (!busy) idle(idle_rounds);
    }
    posted_.reset();
    heartbeats_.reset();
    finish(0);
  } catch (const std::exception& e) {
    abort_from_thread(std::string("transport thread failed: ") + e.what());
  }
}

void Transport::wait_request(MPI_Request& request) {
  int flag = 0;
  for (int round = 1;; ++round) {
    MPI_Test(&request, &flag, MPI_STATUS_IGNORE);
    if (flag) return;
    if (abort_requested_.load()) {
      std::string reason;
      {
        std::lock_guard<std::mutex> lock(outbox_mutex_);
        reason = abort_reason_;
      }
      abort_from_thread(reason);
    }
    idle(round);
  }
}

void Transport::idle(int idle_rounds) {
  // Bounded back-off: right after a send, poll without yielding for poll_us; then (or right
  // after an arrival) yield; after spin_us without activity, sleep for growing intervals up to
  // max_idle_sleep_us. A post wakes the sleep at once; an MPI arrival is seen at the next
  // wake-up (MPI cannot signal a condition variable). Never sleep while sends are pending:
  // large messages progress only while we call MPI.
  // While polling, the clock is read every 8th round only: reading it took more time than
  // the MPI probe itself.
  const auto poll_time = std::chrono::microseconds(options_.poll_us);
  const bool polling = sent_last_ && idle_for_ < poll_time;
  if (idle_rounds == 1) {
    idle_since_ = std::chrono::steady_clock::now();
    idle_for_ = {};
    sleep_us_ = 5;  // the first sleep is 10 us, then 20, 40, ... up to the maximum
  } else if (!polling || idle_rounds % 8 == 0) {
    idle_for_ = std::chrono::steady_clock::now() - idle_since_;
  }
  const auto idle_for = idle_for_;
  if (sent_last_ && idle_for < poll_time) return;
  if (!send_requests_.empty() || idle_for < std::chrono::microseconds(options_.spin_us)) {
    std::this_thread::yield();
    return;
  }
  sleep_us_ = std::min(options_.max_idle_sleep_us, sleep_us_ * 2);
  std::unique_lock<std::mutex> lock(outbox_mutex_);
  outbox_cv_.wait_for(lock, std::chrono::microseconds(sleep_us_), [this] {
    return !outbox_.empty() || abort_requested_.load() || (shutdown_requested_ && !closed_);
  });
}

bool Transport::send_outbox() {
  if (!outbox_filled_.load()) return false;
  {
    std::lock_guard<std::mutex> lock(outbox_mutex_);
    if (outbox_.empty() || send_requests_.size() >= kMaxSendsInFlight) return false;
    const std::size_t room = kMaxSendsInFlight - send_requests_.size();
    if (outbox_.size() <= room) {
      sending_.assign(std::make_move_iterator(outbox_.begin()), std::make_move_iterator(outbox_.end()));
      outbox_.clear();
    } else {
      for (std::size_t i = 0; i < room; ++i) {
        sending_.push_back(std::move(outbox_.front()));
        outbox_.pop_front();
      }
    }
    outbox_filled_ = !outbox_.empty();
  }
  for (auto& [dst, wire] : sending_) {
    if (dst == rank_) {
      handle_arrival(std::make_shared<const Bytes>(std::move(wire).flatten()), rank_);  // no MPI needed
      continue;
    }
    isend(dst, std::move(wire));
  }
  sending_.clear();
  return true;
}

void Transport::isend(int dst_rank, Envelope wire) {
  const std::size_t size = wire.size();
  const bool bulk = size > PostedReceives::kSlotBytes;
  if (bulk) {
    // Announce it, then send it with the bulk tag (actors/posted_receives.hpp).
    MPI_Request request;
    Envelope notice(bulk_notice(size));
    MPI_Isend(notice.head.data(), static_cast<int>(notice.head.size()), MPI_BYTE, dst_rank, kEnvelopeTag, comm_,
              &request);
    send_requests_.push_back(request);
    send_buffers_.push_back(std::move(notice));
  }
  const int tag = bulk ? kBulkTag : kEnvelopeTag;
  MPI_Request request;
  if (wire.segments.empty()) {
    MPI_Isend(wire.head.data(), static_cast<int>(size), MPI_BYTE, dst_rank, tag, comm_, &request);
  } else {
    // One message from several buffers: the head's pieces and the segments in between, by
    // absolute address. MPI may free the type now; the pending send keeps what it needs.
    std::vector<int> lengths;
    std::vector<MPI_Aint> addresses;
    wire.for_each_piece([&](const std::uint8_t* data, std::size_t n) {
      MPI_Aint address;
      MPI_Get_address(data, &address);
      lengths.push_back(static_cast<int>(n));
      addresses.push_back(address);
    });
    MPI_Datatype gathered;
    MPI_Type_create_hindexed(static_cast<int>(lengths.size()), lengths.data(), addresses.data(), MPI_BYTE, &gathered);
    MPI_Type_commit(&gathered);
    MPI_Isend(MPI_BOTTOM, 1, gathered, dst_rank, tag, comm_, &request);
    MPI_Type_free(&gathered);
  }
  count(sent_);
  count(bytes_sent_, size);
  send_requests_.push_back(request);
  send_buffers_.push_back(std::move(wire));
  sent_last_ = true;
}

bool Transport::complete_sends() {
  if (send_requests_.empty()) return false;
  int done = 0;
  completed_indices_.resize(send_requests_.size());
  MPI_Testsome(static_cast<int>(send_requests_.size()), send_requests_.data(), &done,
               completed_indices_.data(), MPI_STATUSES_IGNORE);
  if (done <= 0) return false;
  std::size_t keep = 0;
  for (std::size_t i = 0; i < send_requests_.size(); ++i) {
    if (send_requests_[i] == MPI_REQUEST_NULL) continue;
    if (keep != i) {  // moving a vector onto itself empties it: the pending send's buffer was freed
      send_requests_[keep] = send_requests_[i];
      send_buffers_[keep] = std::move(send_buffers_[i]);
    }
    ++keep;
  }
  send_requests_.resize(keep);
  send_buffers_.resize(keep);
  return true;
}

bool Transport::receive_arrivals() {
  bool any = false;
  for (int i = 0; i < kMaxArrivalsPerRound; ++i) {
    auto arrival = posted_->next();
    if (!arrival) break;
    count(received_);
    count(bytes_received_, arrival->wire->size());
    sent_last_ = false;  // unless an endpoint answers at once
    handle_arrival(std::move(arrival->wire), arrival->source);
    any = true;
  }
  return any;
}

void Transport::abort_from_thread(const std::string& reason, int exit_code) {
  // Tell every other rank why, give the messages a moment to leave, then take the job down.
  std::vector<MPI_Request> requests;
  std::vector<Bytes> buffers;
  for (int r = 0; r < size_; ++r) {
    if (r == rank_) continue;
    EnvelopeHeader h;
    h.src_rank = rank_;
    h.dst_rank = r;
    h.type_id = Abort::type_id;
    h.dst_name = kTransportName;
    // Sent directly, so it must fit a posted receive: the reason is cut if it is very long.
    buffers.push_back(make_envelope(h, Abort{rank_, reason.substr(0, PostedReceives::kSlotBytes / 2)}));
    requests.emplace_back();
    MPI_Isend(buffers.back().data(), static_cast<int>(buffers.back().size()), MPI_BYTE, r, kEnvelopeTag,
              comm_, &requests.back());
  }
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::duration<double>(options_.abort_deadline_seconds);
  int all_done = requests.empty();
  while (!all_done && std::chrono::steady_clock::now() < deadline) {
    MPI_Testall(static_cast<int>(requests.size()), requests.data(), &all_done,
                MPI_STATUSES_IGNORE);
    if (!all_done) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  // Let the receivers print their line before the job is torn down.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  MPI_Abort(MPI_COMM_WORLD, exit_code);
  std::_Exit(exit_code);
}

void Transport::finish(int exit_code) {
  running_ = false;
  std::lock_guard<std::mutex> lock(done_mutex_);
  done_ = true;
  exit_code_ = exit_code;
  done_cv_.notify_all();
}

}  // namespace apq::actors
