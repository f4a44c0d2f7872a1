// The envelope: one MPI message per envelope. Wire format (little-endian, no padding):
//   offset size field
//   0      4    magic "APQE" (0x45515041)
//   4      2    format version (1)
//   6      1    kind (1 tell, 2 request, 3 reply, 4 reply_error)
//   7      1    reserved, 0
//   8      4    source rank (int32)
//   12     4    destination rank (int32)
//   16     4    message type id (uint32; see actors/messages.hpp)
//   20     8    request id (uint64; 0 for tells)
//   28     2    destination name length N (uint16)
//   30     8    payload length P (uint64)
//   38     N    destination actor name (empty for replies)
//   38+N   P    payload (actors/codec.hpp; for reply_error: the reason as UTF-8 text)
// The total must be exactly 38 + N + P bytes; anything else is rejected.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "actors/codec.hpp"

namespace apq::actors {

enum class EnvelopeKind : std::uint8_t { tell = 1, request = 2, reply = 3, reply_error = 4 };

struct EnvelopeHeader {
  EnvelopeKind kind = EnvelopeKind::tell;
  std::int32_t src_rank = 0;
  std::int32_t dst_rank = 0;
  std::uint32_t type_id = 0;
  std::uint64_t request_id = 0;
  std::string dst_name;
};

constexpr std::uint32_t kEnvelopeMagic = 0x45515041;  // "APQE" read as little-endian
constexpr std::uint16_t kEnvelopeVersion = 1;
constexpr std::size_t kEnvelopeFixedSize = 38;
constexpr std::size_t kRequestIdOffset = 20;
// Name of the transport itself as a destination (Shutdown, Abort).
inline const std::string kTransportName = "@transport";

// A received envelope: the header plus a view of the payload inside the wire buffer.
struct EnvelopeView {
  EnvelopeHeader header;
  const std::uint8_t* payload = nullptr;
  std::size_t payload_size = 0;
  std::shared_ptr<const void> owner;  // keeps the wire alive (set by the transport)
};

// Writes the header; append the payload with encode_into(wire, value) or ByteWriter, then
// call finish_envelope to fill in the payload length (`segment_bytes`: payload bytes sent
// from segments, not in `wire`).
Bytes begin_envelope(const EnvelopeHeader& header, std::size_t payload_reserve = 0);
void finish_envelope(Bytes& wire, std::size_t segment_bytes = 0);
// Overwrites the request id of a finished envelope (the gateway assigns ids).
void set_request_id(Bytes& wire, std::uint64_t request_id);

// An envelope ready to send. `head` holds the wire format except the bytes of `segments`
// (large SharedBytes payload fields), each of which belongs at its offset of `head`: the
// transport sends head and segments as one MPI message, without copying the segments.
// Without segments, head is the whole envelope.
struct Envelope {
  Bytes head;
  std::vector<Segment> segments;

  Envelope() = default;
  Envelope(Bytes whole) : head(std::move(whole)) {}  // NOLINT: implicit, a flat envelope
  std::size_t size() const;  // on the wire
  Bytes flatten() &&;        // the contiguous wire bytes

  // Calls piece(data, n) for the non-empty pieces of the wire bytes in order: head up to the
  // first segment, the segment, head up to the next one, ..., the rest of head.
  template <class Piece>
  void for_each_piece(Piece&& piece) const {
    std::size_t from = 0;
    auto part = [&piece](const std::uint8_t* data, std::size_t n) {
      if (n) piece(data, n);
    };
    for (const auto& s : segments) {
      part(head.data() + from, s.at - from);
      part(s.bytes.data(), s.bytes.size());
      from = s.at;
    }
    part(head.data() + from, head.size() - from);
  }
};
void set_request_id(Envelope& envelope, std::uint64_t request_id);

// The envelope as one contiguous buffer (the payload is copied into it).
template <class T>
Bytes make_envelope(const EnvelopeHeader& header, const T& payload) {
  const std::size_t size = encoded_size(payload);
  Bytes wire = begin_envelope(header, size);  // one allocation
  encode_into(wire, payload, nullptr, size);
  finish_envelope(wire);
  return wire;
}

// The envelope for sending: large SharedBytes fields stay where they are (segments).
template <class T>
Envelope make_envelope_parts(const EnvelopeHeader& header, const T& payload) {
  Envelope e;
  const std::size_t size = encoded_size(payload, true);
  e.head = begin_envelope(header, size);  // one allocation
  encode_into(e.head, payload, &e.segments, size);
  std::size_t segment_bytes = 0;
  for (const auto& s : e.segments) segment_bytes += s.bytes.size();
  finish_envelope(e.head, segment_bytes);
  return e;
}
Bytes make_error_envelope(const EnvelopeHeader& header, const std::string& reason);

// Validates everything that can be checked without the type registry: size, magic, version,
// kind, ranks (the destination must be us and the source must match MPI's), lengths.
// Throws DecodeError naming the first problem. The view points into `wire`.
EnvelopeView parse_envelope(const std::uint8_t* wire, std::size_t size, int my_rank,
                            int mpi_source);

const char* to_string(EnvelopeKind kind);

}  // namespace apq::actors
