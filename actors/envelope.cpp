#include "actors/envelope.hpp"

#include <cstring>
#include <limits>

namespace apq::actors {
namespace {

constexpr std::size_t kPayloadLengthOffset = 30;

template <class T>
void put_at(std::uint8_t*& at, T value) {  // writes at `at` and moves it on
  std::memcpy(at, &value, sizeof(T));
  at += sizeof(T);
}

template <class T>
T get(const std::uint8_t* at) {
  T value;
  std::memcpy(&value, at, sizeof(T));
  return value;
}

}  // namespace

const char* to_string(EnvelopeKind kind) {
  switch (kind) {
    case EnvelopeKind::tell: return "tell";
    case EnvelopeKind::request: return "request";
    case EnvelopeKind::reply: return "reply";
    case EnvelopeKind::reply_error: return "reply_error";
  }
  return "invalid";
}

Bytes begin_envelope(const EnvelopeHeader& header, std::size_t payload_reserve) {
  if (header.dst_name.size() > std::numeric_limits<std::uint16_t>::max())
    throw std::invalid_argument("actor name longer than 65535 bytes: " +
                                header.dst_name.substr(0, 40) + "...");
  const std::size_t name_size = header.dst_name.size();
  Bytes wire;
  wire.reserve(kEnvelopeFixedSize + name_size + payload_reserve);
  wire.resize(kEnvelopeFixedSize + name_size);  // one resize: the fields are written in place
  std::uint8_t* at = wire.data();
  put_at(at, kEnvelopeMagic);
  put_at(at, kEnvelopeVersion);
  put_at(at, static_cast<std::uint8_t>(header.kind));
  put_at(at, std::uint8_t{0});
  put_at(at, header.src_rank);
  put_at(at, header.dst_rank);
  put_at(at, header.type_id);
  put_at(at, header.request_id);
  put_at(at, static_cast<std::uint16_t>(name_size));
  put_at(at, std::uint64_t{0});  // payload length, patched by finish_envelope
  if (name_size) std::memcpy(at, header.dst_name.data(), name_size);
  return wire;
}

void finish_envelope(Bytes& wire, std::size_t segment_bytes) {
  const auto name_size = get<std::uint16_t>(wire.data() + 28);
  const std::uint64_t payload = wire.size() - kEnvelopeFixedSize - name_size + segment_bytes;
  std::memcpy(wire.data() + kPayloadLengthOffset, &payload, sizeof payload);
}

void set_request_id(Bytes& wire, std::uint64_t request_id) {
  std::memcpy(wire.data() + kRequestIdOffset, &request_id, sizeof request_id);
}

void set_request_id(Envelope& envelope, std::uint64_t request_id) { set_request_id(envelope.head, request_id); }

std::size_t Envelope::size() const {
  std::size_t total = head.size();
  for (const auto& s : segments) total += s.bytes.size();
  return total;
}

Bytes Envelope::flatten() && {
  if (segments.empty()) return std::move(head);
  Bytes wire(size());
  std::uint8_t* out = wire.data();
  for_each_piece([&out](const std::uint8_t* data, std::size_t n) {
    std::memcpy(out, data, n);
    out += n;
  });
  return wire;
}

Bytes make_error_envelope(const EnvelopeHeader& header, const std::string& reason) {
  Bytes wire = begin_envelope(header, reason.size());
  const std::size_t at = wire.size();
  wire.resize(at + reason.size());
  std::memcpy(wire.data() + at, reason.data(), reason.size());
  finish_envelope(wire);
  return wire;
}

EnvelopeView parse_envelope(const std::uint8_t* wire, std::size_t size, int my_rank,
                            int mpi_source) {
  if (size < kEnvelopeFixedSize)
    throw DecodeError("short envelope: " + std::to_string(size) + " bytes, the header alone is " +
                      std::to_string(kEnvelopeFixedSize));
  if (get<std::uint32_t>(wire) != kEnvelopeMagic) throw DecodeError("bad magic (not an envelope)");
  const auto version = get<std::uint16_t>(wire + 4);
  if (version != kEnvelopeVersion)
    throw DecodeError("envelope format version " + std::to_string(version) + ", expected " +
                      std::to_string(kEnvelopeVersion));
  const auto kind = wire[6];
  if (kind < 1 || kind > 4) throw DecodeError("invalid envelope kind " + std::to_string(kind));
  EnvelopeView view;
  EnvelopeHeader& h = view.header;
  h.kind = static_cast<EnvelopeKind>(kind);
  h.src_rank = get<std::int32_t>(wire + 8);
  h.dst_rank = get<std::int32_t>(wire + 12);
  h.type_id = get<std::uint32_t>(wire + 16);
  h.request_id = get<std::uint64_t>(wire + 20);
  const auto name_size = get<std::uint16_t>(wire + 28);
  const auto payload_size = get<std::uint64_t>(wire + kPayloadLengthOffset);
  if (h.src_rank != mpi_source)
    throw DecodeError("envelope claims source rank " + std::to_string(h.src_rank) +
                      " but MPI delivered it from rank " + std::to_string(mpi_source));
  if (h.dst_rank != my_rank)
    throw DecodeError("envelope for rank " + std::to_string(h.dst_rank) + " arrived at rank " +
                      std::to_string(my_rank));
  const std::size_t rest = size - kEnvelopeFixedSize;
  if (name_size > rest || payload_size != rest - name_size)
    throw DecodeError("envelope lengths (name " + std::to_string(name_size) + ", payload " +
                      std::to_string(payload_size) + ") do not match its " + std::to_string(size) +
                      " bytes");
  const bool needs_name = h.kind == EnvelopeKind::tell || h.kind == EnvelopeKind::request;
  if (needs_name && name_size == 0) throw DecodeError("tell/request without a destination name");
  if (h.kind != EnvelopeKind::tell && h.request_id == 0)
    throw DecodeError(std::string(to_string(h.kind)) + " without a request id");
  h.dst_name.assign(reinterpret_cast<const char*>(wire + kEnvelopeFixedSize), name_size);
  view.payload = wire + kEnvelopeFixedSize + name_size;
  view.payload_size = static_cast<std::size_t>(payload_size);
  return view;
}

}  // namespace apq::actors
