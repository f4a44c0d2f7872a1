#include "actors/transport.hpp"

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <iterator>

#include <pthread.h>

#include "actors/gateway.hpp"
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

// The statistics counters have one writer, the transport thread: a plain add published with
// a relaxed store, not a locked read-modify-write on every message.
void count(std::atomic<std::uint64_t>& counter, std::uint64_t n = 1) {
  counter.store(counter.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

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
  if (idle_rounds == 1) {
    idle_since_ = std::chrono::steady_clock::now();
    idle_for_ = {};
    sleep_us_ = 5;  // the first sleep is 10 us, then 20, 40, ... up to the maximum
  } else if (!sent_last_ || idle_rounds % 8 == 0 || idle_for_ >= std::chrono::microseconds(options_.poll_us)) {
    idle_for_ = std::chrono::steady_clock::now() - idle_since_;
  }
  const auto idle_for = idle_for_;
  if (sent_last_ && idle_for < std::chrono::microseconds(options_.poll_us)) return;
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
  if (size > PostedReceives::kSlotBytes) {
    // Announce it, then send it with the bulk tag (actors/posted_receives.hpp).
    MPI_Request request;
    Envelope notice(bulk_notice(size));
    MPI_Isend(notice.head.data(), static_cast<int>(notice.head.size()), MPI_BYTE, dst_rank, kEnvelopeTag, comm_,
              &request);
    send_requests_.push_back(request);
    send_buffers_.push_back(std::move(notice));
  }
  const int tag = size > PostedReceives::kSlotBytes ? kBulkTag : kEnvelopeTag;
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
    handle_arrival(arrival->wire, arrival->source);
    any = true;
  }
  return any;
}

void Transport::handle_arrival(const std::shared_ptr<const Bytes>& wire, int source) {
  EnvelopeView view;
  try {
    view = parse_envelope(wire->data(), wire->size(), rank_, source);
  } catch (const DecodeError& e) {
    reject(source, wire->size(), e.what());
    return;
  }
  view.owner = wire;
  if (view.header.dst_name == kTransportName) {
    handle_control(view);
    return;
  }
  if (view.header.kind == EnvelopeKind::tell && !endpoints_.empty()) {
    auto it = endpoints_.find(view.header.dst_name);
    if (it != endpoints_.end()) {
      if (!registry_.find(view.header.type_id))
        reject(source, wire->size(), "unknown message type id " + std::to_string(view.header.type_id));
      else
        it->second(view);
      return;
    }
  }
  deliver(view, source);
}

void Transport::handle_control(const EnvelopeView& view) {
  try {
    if (view.header.type_id == Shutdown::type_id) {
      decode<Shutdown>(view.payload, view.payload_size);
      std::lock_guard<std::mutex> lock(outbox_mutex_);
      shutdown_requested_ = true;
      return;
    }
    if (view.header.type_id == Abort::type_id) {
      const auto abort = decode<Abort>(view.payload, view.payload_size);
      log_line(rank_, "stopping: rank " + std::to_string(abort.rank) + " failed: " + abort.reason);
      // The failed rank calls MPI_Abort once its Abort envelopes are out, so mpirun names
      // it; abort from here only if that does not happen in time.
      std::this_thread::sleep_for(
          std::chrono::duration<double>(options_.abort_deadline_seconds + 3.0));
      log_line(rank_, "rank " + std::to_string(abort.rank) + " did not end the job; calling MPI_Abort");
      MPI_Abort(MPI_COMM_WORLD, 1);
      std::_Exit(1);
    }
    reject(view.header.src_rank, view.payload_size,
           "type id " + std::to_string(view.header.type_id) + " is not a transport control message");
  } catch (const DecodeError& e) {
    reject(view.header.src_rank, view.payload_size, std::string("control message: ") + e.what());
  }
}

void Transport::deliver(const EnvelopeView& view, int source) {
  const EnvelopeHeader& h = view.header;
  const MessageType* type = registry_.find(h.type_id);
  const std::string type_text = "message type id " + std::to_string(h.type_id);
  if (h.kind == EnvelopeKind::reply_error) {
    std::string reason(reinterpret_cast<const char*>(view.payload), view.payload_size);
    caf::anon_send(gateway_, fail_atom::value, h.request_id,
                   "rank " + std::to_string(source) + ": " + reason);
    return;
  }
  if (h.kind == EnvelopeKind::reply) {
    std::string problem;
    caf::message answer;
    if (!type) {
      problem = "reply of unknown " + type_text;
    } else {
      try {
        answer = type->decode(view.payload, view.payload_size, view.owner);
      } catch (const DecodeError& e) {
        problem = "reply " + type->name + ": " + e.what();
      }
    }
    if (!problem.empty()) {
      reject(source, view.payload_size, problem);
      caf::anon_send(gateway_, fail_atom::value, h.request_id, problem);
      return;
    }
    caf::anon_send(gateway_, reply_atom::value, h.request_id, std::move(answer));
    return;
  }
  const bool is_request = h.kind == EnvelopeKind::request;
  auto fail = [&](const std::string& reason) {
    reject(source, view.payload_size, reason);
    if (is_request) reply_error(h, reason);
  };
  if (!type) return fail("unknown " + type_text + " for '" + h.dst_name + "'");
  if (is_request && !type->serve) return fail(type->name + " cannot be sent as a request");
  caf::actor target = find_actor(h.dst_name);
  if (!target) return fail("no actor named '" + h.dst_name + "' on this rank");
  caf::message message;
  try {
    message = type->decode(view.payload, view.payload_size, view.owner);
  } catch (const DecodeError& e) {
    return fail(type->name + " payload: " + e.what());
  }
  if (is_request)
    caf::anon_send(gateway_, serve_atom::value, target, h.type_id, std::move(message), h.src_rank,
                   h.request_id);
  else
    caf::anon_send(target, std::move(message));
}

void Transport::reject(int source, std::size_t size, const std::string& reason) {
  count(rejected_);
  log_line(rank_, "rejected an envelope from rank " + std::to_string(source) + " (" +
                      std::to_string(size) + " bytes): " + reason);
}

void Transport::reply_error(const EnvelopeHeader& request, const std::string& reason) {
  EnvelopeHeader h;
  h.kind = EnvelopeKind::reply_error;
  h.src_rank = rank_;
  h.dst_rank = request.src_rank;
  h.request_id = request.request_id;
  post(request.src_rank, make_error_envelope(h, reason));
}

void Transport::abort_from_thread(const std::string& reason) {
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
  MPI_Abort(MPI_COMM_WORLD, 1);
  std::_Exit(1);
}

void Transport::finish(int exit_code) {
  running_ = false;
  std::lock_guard<std::mutex> lock(done_mutex_);
  done_ = true;
  exit_code_ = exit_code;
  done_cv_.notify_all();
}

}  // namespace apq::actors
