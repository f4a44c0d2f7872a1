// How an actor sends to a named actor on any rank: local destinations get a plain CAF
// message, remote ones an envelope through the transport. Requests look the same either way:
//   router.request(self, {1, "worker.1.0"}, item).then([](WorkResult& r) { ... });
// Tells are anonymous (no reply path); use a request when an answer is needed.
#pragma once
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <caf/all.hpp>

#include "actors/envelope.hpp"
#include "actors/gateway.hpp"
#include "actors/message_registry.hpp"
#include "actors/transport.hpp"

namespace apq::actors {

// Where an actor lives: rank and registered name. Handles never cross ranks; addresses do.
struct Address {
  std::int32_t rank = 0;
  std::string name;
  bool operator==(const Address& o) const { return rank == o.rank && name == o.name; }
  bool operator!=(const Address& o) const { return !(*this == o); }
};

inline std::string to_string(const Address& a) {
  return a.name + "@" + std::to_string(a.rank);
}

class Router {
 public:
  Router(Transport& transport, caf::actor gateway)
      : transport_(&transport), gateway_(std::move(gateway)) {}

  int rank() const { return transport_->rank(); }
  int size() const { return transport_->size(); }

  template <class T>
  void tell(const Address& to, const T& message) const {
    if (to.rank == rank()) {
      caf::anon_send(local(to.name), message);
      return;
    }
    transport_->post(to.rank, make_envelope_parts(header(EnvelopeKind::tell, to, T::type_id), message));
  }

  // `self` is an event-based actor (then `.then(...)`) or a blocking one (`.receive(...)`).
  template <class T, class Self>
  auto request(Self* self, const Address& to, const T& message,
               caf::duration timeout = caf::infinite) const {
    static_assert(!std::is_void_v<ReplyOf<T>>,
                  "this message type has no `using Reply = ...;` and cannot be a request");
    if (to.rank == rank()) return self->request(local(to.name), timeout, message);
    Wire wire{make_envelope_parts(header(EnvelopeKind::request, to, T::type_id), message)};
    return self->request(gateway_, timeout, route_atom::value, to.rank, std::move(wire));
  }

  template <class T, class Self, class Rep, class Period>
  auto request(Self* self, const Address& to, const T& message,
               std::chrono::duration<Rep, Period> timeout) const {
    return request(self, to, message, caf::duration{timeout});
  }

  // The handle of an actor registered on this rank; throws std::invalid_argument if none.
  caf::actor local(const std::string& name) const {
    caf::actor a = transport_->find_actor(name);
    if (!a)
      throw std::invalid_argument("no actor named '" + name + "' on rank " +
                                  std::to_string(rank()));
    return a;
  }

 private:
  EnvelopeHeader header(EnvelopeKind kind, const Address& to, std::uint32_t type_id) const {
    EnvelopeHeader h;
    h.kind = kind;
    h.src_rank = rank();
    h.dst_rank = to.rank;
    h.type_id = type_id;
    h.dst_name = to.name;
    return h;
  }

  Transport* transport_;
  caf::actor gateway_;
};

}  // namespace apq::actors
