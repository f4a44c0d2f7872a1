#include "actors/gateway.hpp"

#include <unordered_map>

#include "actors/transport.hpp"

namespace apq::actors {
namespace {

struct GatewayState {
  Transport* transport = nullptr;
  std::uint64_t next_request_id = 1;
  std::unordered_map<std::uint64_t, caf::response_promise> pending;
  static inline const char* name = "apq.gateway";
};

caf::behavior gateway(caf::stateful_actor<GatewayState>* self, Transport* transport) {
  self->state.transport = transport;
  return {
      // A local actor asks a remote one: `wire` is a finished request envelope.
      [=](route_atom, std::int32_t dst_rank, Wire& wire) -> caf::response_promise {
        auto& st = self->state;
        const std::uint64_t id = st.next_request_id++;
        set_request_id(wire.bytes, id);
        auto promise = self->make_response_promise();
        st.pending.emplace(id, promise);
        st.transport->post(dst_rank, std::move(wire.bytes));
        return promise;
      },
      [=](reply_atom, std::uint64_t request_id, caf::message& answer) {
        auto it = self->state.pending.find(request_id);
        if (it == self->state.pending.end()) return;  // requester gave up (timeout)
        it->second.deliver(std::move(answer));
        self->state.pending.erase(it);
      },
      [=](fail_atom, std::uint64_t request_id, std::string& reason) {
        auto it = self->state.pending.find(request_id);
        if (it == self->state.pending.end()) return;
        it->second.deliver(caf::make_error(caf::sec::runtime_error, std::move(reason)));
        self->state.pending.erase(it);
      },
      // A remote actor asks a local one.
      [=](serve_atom, const caf::actor& target, std::uint32_t type_id, caf::message& request,
          std::int32_t src_rank, std::uint64_t request_id) {
        Transport* t = self->state.transport;
        EnvelopeHeader reply;
        reply.src_rank = t->rank();
        reply.dst_rank = src_rank;
        reply.request_id = request_id;
        const MessageType* type = t->registry().find(type_id);  // checked by the transport
        type->serve(self, target, std::move(request), reply,
                    [t, src_rank](Envelope wire) { t->post(src_rank, std::move(wire)); });
      },
  };
}

}  // namespace

caf::actor spawn_gateway(caf::actor_system& system, Transport& transport) {
  return system.spawn(gateway, &transport);
}

}  // namespace apq::actors
