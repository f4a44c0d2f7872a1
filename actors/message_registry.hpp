// The message types a rank knows, looked up by the type id carried in each envelope.
// Built from a TypeList (actors/messages.hpp); every rank must build the same one, which the
// transport checks at start-up by comparing fingerprints across ranks.
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <type_traits>

#include <caf/all.hpp>

#include "actors/codec.hpp"
#include "actors/envelope.hpp"
#include "actors/type_list.hpp"

namespace apq::actors {

using SendWire = std::function<void(Envelope wire)>;

struct MessageType {
  std::uint32_t id = 0;
  std::string name;
  std::uint32_t reply_id = 0;  // type id of T::Reply; 0 when T cannot be a request
  // Decodes a payload into a caf::message holding one T; throws DecodeError. `owner` keeps
  // the bytes alive for SharedBytes fields (may be null: they copy then).
  caf::message (*decode)(const std::uint8_t* data, std::size_t size,
                         const std::shared_ptr<const void>& owner) = nullptr;
  // Forwards a request to a local actor and sends its reply (or error) as an envelope built
  // from `reply`. Only for request types.
  void (*serve)(caf::event_based_actor* self, const caf::actor& target, caf::message request,
                EnvelopeHeader reply, SendWire send) = nullptr;
  void (*add_to_config)(caf::actor_system_config& cfg) = nullptr;
};

namespace detail {
template <class T, class = void>
struct reply_of {
  using type = void;
};
template <class T>
struct reply_of<T, std::void_t<typename T::Reply>> {
  using type = typename T::Reply;
};
}  // namespace detail
template <class T>
using ReplyOf = typename detail::reply_of<T>::type;

template <class T>
MessageType describe_message_type() {
  MessageType t;
  t.id = T::type_id;
  t.name = T::type_name;
  t.decode = [](const std::uint8_t* data, std::size_t size, const std::shared_ptr<const void>& owner) {
    return caf::make_message(decode<T>(data, size, owner));
  };
  t.add_to_config = [](caf::actor_system_config& cfg) { cfg.add_message_type<T>(T::type_name); };
  using R = ReplyOf<T>;
  if constexpr (!std::is_void_v<R>) {
    t.reply_id = R::type_id;
    t.serve = [](caf::event_based_actor* self, const caf::actor& target, caf::message request,
                 EnvelopeHeader reply, SendWire send) {
      self->request(target, caf::infinite, std::move(request))
          .then(
              [reply, send](R& answer) mutable {
                reply.kind = EnvelopeKind::reply;
                reply.type_id = R::type_id;
                send(make_envelope_parts(reply, answer));
              },
              [self, reply, send](caf::error& err) mutable {
                reply.kind = EnvelopeKind::reply_error;
                send(make_error_envelope(reply, self->system().render(err)));
              });
    };
  }
  return t;
}

class MessageRegistry {
 public:
  template <class... Ts>
  static MessageRegistry of(TypeList<Ts...>) {
    MessageRegistry registry;
    (registry.add(describe_message_type<Ts>()), ...);
    registry.check_replies();
    return registry;
  }

  // Throws std::invalid_argument on a duplicate id or name.
  void add(MessageType type);
  // Throws std::invalid_argument if some request type's reply type is not registered.
  void check_replies() const;
  const MessageType* find(std::uint32_t id) const;
  // FNV-1a over (id, name, reply id) of every type, in id order.
  std::uint64_t fingerprint() const;
  void add_to_config(caf::actor_system_config& cfg) const;
  std::size_t size() const { return types_.size(); }

 private:
  std::map<std::uint32_t, MessageType> types_;
};

}  // namespace apq::actors
