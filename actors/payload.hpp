// A typed value inside a generic message: work items and results carry their task's input and
// answer as one struct (with an inspect() listing its fields and a stable `type_id`), encoded by
// the payload codec. Reading checks the type id, so a stage never reads an answer of another
// task by position; the coordinator stays generic (retries, progress) and never looks inside.
#pragma once
#include <cstdint>
#include <string>

#include "actors/codec.hpp"

namespace apq::actors {

struct Payload {
  std::uint32_t type_id = 0;  // 0: empty
  SharedBytes bytes;
};

template <class T>
Payload make_payload(const T& value) {
  const Bytes encoded = encode(value);
  return {T::type_id, SharedBytes(std::vector<std::uint8_t>(encoded.begin(), encoded.end()))};
}

// Throws DecodeError when the payload holds another type (or none).
template <class T>
T read_payload(const Payload& p) {
  if (p.type_id != T::type_id)
    throw DecodeError("payload holds type " + std::to_string(p.type_id) + ", expected " + T::type_name + " (" +
                      std::to_string(T::type_id) + ")");
  return decode<T>(p.bytes.data(), p.bytes.size());
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Payload& x) {
  return f(x.type_id, x.bytes);
}

}  // namespace apq::actors
