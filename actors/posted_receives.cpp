#include "actors/posted_receives.hpp"

#include <climits>
#include <stdexcept>
#include <string>

namespace apq::actors {
namespace {

constexpr std::uint32_t kBulkMagic = 0x42515041;  // "APQB" read as little-endian
constexpr std::size_t kBulkNoticeSize = 16;

}  // namespace

// Written and read with the payload codec (fixed-width little-endian fields).
Bytes bulk_notice(std::size_t size) {
  Bytes notice(kBulkNoticeSize);
  ByteWriter writer(notice, 0);
  writer(kBulkMagic, std::uint32_t{0}, static_cast<std::uint64_t>(size));
  return notice;
}

std::optional<std::size_t> parse_bulk_notice(const std::uint8_t* wire, std::size_t size) {
  if (size != kBulkNoticeSize) return std::nullopt;
  std::uint32_t magic = 0, reserved = 0;
  std::uint64_t announced = 0;
  ByteReader reader(wire, size);
  reader(magic, reserved, announced);
  if (magic != kBulkMagic) return std::nullopt;
  return static_cast<std::size_t>(announced);
}

PostedReceives::PostedReceives(MPI_Comm comm, int slots) : comm_(comm), slots_(static_cast<std::size_t>(slots)) {
  if (slots < 1) throw std::invalid_argument("posted receives: at least one slot");
  for (auto& slot : slots_) {
    slot.buffer.resize(kSlotBytes);
    post(slot);
  }
}

PostedReceives::~PostedReceives() {
  for (auto& slot : slots_) {
    if (slot.request == MPI_REQUEST_NULL) continue;
    MPI_Cancel(&slot.request);
    MPI_Wait(&slot.request, MPI_STATUS_IGNORE);
  }
}

std::shared_ptr<const Bytes> PostedReceives::copy_out(const std::uint8_t* data, std::size_t size) {
  // The last arrival's buffer is reused when nobody kept it (the usual case: an endpoint or
  // the decoder copied what it needed), which saves two allocations and two frees per message.
  if (!last_ || last_.use_count() != 1) last_ = std::make_shared<Bytes>();
  last_->assign(data, data + size);
  return last_;
}

void PostedReceives::post(Slot& slot) {
  MPI_Irecv(slot.buffer.data(), static_cast<int>(kSlotBytes), MPI_BYTE, MPI_ANY_SOURCE, kEnvelopeTag, comm_,
            &slot.request);
}

std::optional<Arrival> PostedReceives::next() {
  if (taken_) {
    // The receive of the last arrival is posted again only now, so that posting it is not
    // between that arrival and its answer; the other slots wait meanwhile (and an arrival
    // that finds none stays in MPI's queue, in order, until one is posted).
    post(*taken_);
    taken_ = nullptr;
  }
  Slot& slot = slots_[oldest_];
  int flag = 0;
  MPI_Status status;
  MPI_Test(&slot.request, &flag, &status);
  if (!flag) return std::nullopt;
  int count = 0;
  MPI_Get_count(&status, MPI_BYTE, &count);
  Arrival arrival;
  arrival.source = status.MPI_SOURCE;
  const auto bulk = parse_bulk_notice(slot.buffer.data(), static_cast<std::size_t>(count));
  if (!bulk) arrival.wire = copy_out(slot.buffer.data(), static_cast<std::size_t>(count));
  taken_ = &slot;
  oldest_ = (oldest_ + 1) % slots_.size();
  if (bulk) {
    if (*bulk > static_cast<std::size_t>(INT_MAX))
      throw std::runtime_error("rank " + std::to_string(arrival.source) + " announced an envelope of " +
                               std::to_string(*bulk) + " bytes, more than one MPI message holds");
    auto wire = std::make_shared<Bytes>(*bulk);
    MPI_Recv(wire->data(), static_cast<int>(*bulk), MPI_BYTE, arrival.source, kBulkTag, comm_, MPI_STATUS_IGNORE);
    arrival.wire = std::move(wire);
  }
  return arrival;
}

}  // namespace apq::actors
