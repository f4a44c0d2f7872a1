#include "actors/message_registry.hpp"

namespace apq::actors {

void MessageRegistry::add(MessageType type) {
  if (type.id == 0) throw std::invalid_argument("message type " + type.name + ": type id 0 is reserved");
  for (const auto& [id, known] : types_) {
    if (id == type.id)
      throw std::invalid_argument("message type id " + std::to_string(id) + " used by both " +
                                  known.name + " and " + type.name);
    if (known.name == type.name)
      throw std::invalid_argument("message type name " + type.name + " registered twice");
  }
  types_.emplace(type.id, std::move(type));
}

void MessageRegistry::check_replies() const {
  for (const auto& [id, type] : types_)
    if (type.reply_id != 0 && !find(type.reply_id))
      throw std::invalid_argument("message type " + type.name + " is answered by type id " +
                                  std::to_string(type.reply_id) + ", which is not registered");
}

const MessageType* MessageRegistry::find(std::uint32_t id) const {
  auto it = types_.find(id);
  return it == types_.end() ? nullptr : &it->second;
}

std::uint64_t MessageRegistry::fingerprint() const {
  std::uint64_t h = 1469598103934665603ULL;
  auto mix = [&h](const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    for (std::size_t i = 0; i < size; ++i) h = (h ^ p[i]) * 1099511628211ULL;
  };
  for (const auto& [id, type] : types_) {
    mix(&id, sizeof id);
    mix(type.name.data(), type.name.size());
    mix(&type.reply_id, sizeof type.reply_id);
  }
  return h;
}

void MessageRegistry::add_to_config(caf::actor_system_config& cfg) const {
  for (const auto& [id, type] : types_) type.add_to_config(cfg);
}

}  // namespace apq::actors
