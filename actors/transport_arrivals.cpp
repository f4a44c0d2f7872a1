// The transport's handling of arrivals on its thread: checking an envelope, control messages
// (Shutdown, Abort), endpoints, and delivery to actors or to the gateway (replies, requests).
#include <chrono>
#include <thread>

#include "actors/gateway.hpp"
#include "actors/heartbeat.hpp"
#include "actors/log.hpp"
#include "actors/messages.hpp"
#include "actors/transport.hpp"

namespace apq::actors {

void Transport::handle_arrival(std::shared_ptr<const Bytes> wire, int source) {
  if (heartbeats_) heartbeats_->arrived(source);
  const std::size_t size = wire->size();
  EnvelopeView view;
  try {
    view = parse_envelope(wire->data(), size, rank_, source);
  } catch (const DecodeError& e) {
    reject(source, size, e.what());
    return;
  }
  view.owner = std::move(wire);  // moved, not copied: each shared_ptr copy is a locked add
  if (view.header.dst_name == kTransportName) {
    handle_control(view);
    return;
  }
  if (view.header.kind == EnvelopeKind::tell && !endpoints_.empty()) {
    auto it = endpoints_.find(view.header.dst_name);
    if (it != endpoints_.end()) {
      if (!registry_.find(view.header.type_id))
        reject(source, size, "unknown message type id " + std::to_string(view.header.type_id));
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
    if (view.header.type_id == Ping::type_id) return;  // a heartbeat: its arrival was counted
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

}  // namespace apq::actors
