// The gateway: one actor per rank that connects CAF requests to envelopes.
//  - A local actor's request to a remote actor goes to the gateway (Router does this), which
//    gives it a request id, keeps the response promise and posts the envelope.
//  - A reply envelope comes back through the transport and fulfils that promise, so the
//    requester's `.then(...)` runs as for any local request.
//  - A request arriving from another rank is forwarded by the gateway to the named local
//    actor as a CAF request; its answer (or error) goes back as a reply envelope.
#pragma once
#include <caf/all.hpp>

#include "actors/envelope.hpp"

namespace apq::actors {

class Transport;

using route_atom = caf::atom_constant<caf::atom("apq_route")>;
using serve_atom = caf::atom_constant<caf::atom("apq_serve")>;
using reply_atom = caf::atom_constant<caf::atom("apq_reply")>;
using fail_atom = caf::atom_constant<caf::atom("apq_fail")>;

// An encoded envelope inside a local CAF message (never serialised by CAF).
struct Wire {
  Envelope bytes;
};

caf::actor spawn_gateway(caf::actor_system& system, Transport& transport);

}  // namespace apq::actors

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(apq::actors::Wire)
