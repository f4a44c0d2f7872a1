// Receives posted before their messages arrive, for the transport thread. A receive that is
// already waiting when a small message lands costs about what a blocking MPI_Recv does;
// probing for it (MPI_Improbe + MPI_Mrecv) cost twice that, which was most of what the
// transport added to a small round trip.
//
// Wire protocol on the transport's communicator:
//   - an envelope of at most kSlotBytes is one message with the envelope tag;
//   - a larger one is a 16-byte bulk notice with the envelope tag (magic "APQB", 4 reserved
//     bytes, the envelope's size as uint64), then the envelope itself with the bulk tag.
// MPI keeps messages of one sender and tag in order, so the k-th notice from a rank belongs to
// its k-th bulk message, and every rank's envelopes are handled in the order they were sent.
// Must be created, used and destroyed on the thread that makes the transport's MPI calls.
#pragma once
#include <mpi.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "actors/codec.hpp"

namespace apq::actors {

constexpr int kEnvelopeTag = 0x4150;
constexpr int kBulkTag = 0x4151;

struct Arrival {
  std::shared_ptr<const Bytes> wire;  // the whole envelope (a bulk one already received)
  int source = 0;
};

class PostedReceives {
 public:
  // Larger envelopes go as notice + bulk. Small enough that copying out of a slot costs
  // little next to the message itself.
  static constexpr std::size_t kSlotBytes = 8192;

  // Posts `slots` receives for any source with the envelope tag.
  PostedReceives(MPI_Comm comm, int slots = 8);
  // Cancels the receives still waiting (an arrival they already matched is dropped).
  ~PostedReceives();
  PostedReceives(const PostedReceives&) = delete;
  PostedReceives& operator=(const PostedReceives&) = delete;

  // The oldest arrival if it has completed, its receive posted again; a bulk notice is
  // followed by receiving its envelope (blocking: it was sent right after the notice).
  std::optional<Arrival> next();

 private:
  struct Slot {
    Bytes buffer;
    MPI_Request request = MPI_REQUEST_NULL;
  };
  void post(Slot& slot);
  std::shared_ptr<const Bytes> copy_out(const std::uint8_t* data, std::size_t size);

  MPI_Comm comm_;
  std::vector<Slot> slots_;
  // MPI matches posted receives in the order they were posted: taking arrivals oldest first
  // keeps each sender's order.
  std::size_t oldest_ = 0;
  Slot* taken_ = nullptr;  // completed and copied out, to be posted again
  std::shared_ptr<Bytes> last_;  // the buffer of the last small arrival
};

// The notice that announces a bulk envelope of `size` bytes.
Bytes bulk_notice(std::size_t size);
// The announced size if `wire` is a bulk notice.
std::optional<std::size_t> parse_bulk_notice(const std::uint8_t* wire, std::size_t size);

}  // namespace apq::actors
