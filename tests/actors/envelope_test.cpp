#include "actors/envelope.hpp"

#include <gtest/gtest.h>

#include "actors/messages.hpp"
#include "test_messages.hpp"

namespace apq::actors {
namespace {

EnvelopeHeader header(EnvelopeKind kind = EnvelopeKind::tell) {
  EnvelopeHeader h;
  h.kind = kind;
  h.src_rank = 1;
  h.dst_rank = 0;
  h.type_id = WorkItem::type_id;
  h.request_id = kind == EnvelopeKind::tell ? 0 : 77;
  h.dst_name = "worker.0.1";
  return h;
}

std::string rejection(const Bytes& wire, int my_rank = 0, int source = 1) {
  try {
    parse_envelope(wire.data(), wire.size(), my_rank, source);
  } catch (const DecodeError& e) {
    return e.what();
  }
  return "";
}

TEST(Envelope, HeaderAndPayloadRoundTrip) {
  const auto item = testing::sample_item();
  Bytes wire = make_envelope(header(EnvelopeKind::request), item);
  set_request_id(wire, 123456789012345ULL);
  const EnvelopeView view = parse_envelope(wire.data(), wire.size(), 0, 1);
  EXPECT_EQ(view.header.kind, EnvelopeKind::request);
  EXPECT_EQ(view.header.src_rank, 1);
  EXPECT_EQ(view.header.dst_rank, 0);
  EXPECT_EQ(view.header.type_id, WorkItem::type_id);
  EXPECT_EQ(view.header.request_id, 123456789012345ULL);
  EXPECT_EQ(view.header.dst_name, "worker.0.1");
  EXPECT_EQ(wire.size(), kEnvelopeFixedSize + 10 + view.payload_size);
  EXPECT_TRUE(testing::same(decode<WorkItem>(view.payload, view.payload_size), item));
}

TEST(Envelope, IsBuiltInOneAllocationOfTheExactSize) {
  // Growing the buffer while encoding would copy a large payload again for every message.
  Blob blob;
  blob.seq = 9;
  blob.bytes = std::vector<std::uint8_t>(3 << 20, 7);
  blob.floats = {1.0f, 2.0f};
  const Bytes wire = make_envelope(header(), blob);
  EXPECT_EQ(wire.capacity(), wire.size());
  const EnvelopeView view = parse_envelope(wire.data(), wire.size(), 0, 1);
  const Blob back = decode<Blob>(view.payload, view.payload_size);
  EXPECT_EQ(back.bytes, blob.bytes);
  EXPECT_EQ(back.floats, blob.floats);
  EXPECT_EQ(encode(testing::sample_item()).capacity(), encode(testing::sample_item()).size());
}

TEST(Envelope, LargeSharedBytesAreSentFromTheirOwnMemory) {
  Blob blob;
  blob.seq = 3;
  blob.bytes = std::vector<std::uint8_t>(kSegmentMinBytes + 5, 9);
  blob.floats = {4.0f, -1.0f};
  Envelope parts = make_envelope_parts(header(), blob);
  ASSERT_EQ(parts.segments.size(), 1u);
  EXPECT_EQ(parts.segments[0].bytes.data(), blob.bytes.data());  // not copied
  EXPECT_LT(parts.head.size(), 200u);
  const Bytes flat = make_envelope(header(), blob);
  EXPECT_EQ(parts.size(), flat.size());
  const Bytes joined = std::move(parts).flatten();
  EXPECT_TRUE(joined == flat);  // the same bytes on the wire either way

  blob.bytes = std::vector<std::uint8_t>(1000, 9);  // small: copied into the head
  const Envelope small = make_envelope_parts(header(), blob);
  EXPECT_TRUE(small.segments.empty());
  EXPECT_TRUE(small.head == make_envelope(header(), blob));
}

TEST(Envelope, ErrorEnvelopeCarriesReasonText) {
  EnvelopeHeader h = header(EnvelopeKind::reply_error);
  h.dst_name.clear();
  const Bytes wire = make_error_envelope(h, "no actor named 'x'");
  const EnvelopeView view = parse_envelope(wire.data(), wire.size(), 0, 1);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(view.payload), view.payload_size),
            "no actor named 'x'");
}

TEST(Envelope, MalformedEnvelopesAreRejectedWithAReason) {
  const Bytes good = make_envelope(header(), Ping{1, 1});
  EXPECT_EQ(rejection(good), "");
  EXPECT_NE(rejection(Bytes{1, 2, 3}).find("short envelope"), std::string::npos);
  Bytes bad = good;
  bad[0] ^= 0xff;
  EXPECT_NE(rejection(bad).find("magic"), std::string::npos);
  bad = good;
  bad[4] = 9;
  EXPECT_NE(rejection(bad).find("version"), std::string::npos);
  bad = good;
  bad[6] = 0;
  EXPECT_NE(rejection(bad).find("kind"), std::string::npos);
  bad = good;
  bad[6] = 5;
  EXPECT_NE(rejection(bad).find("kind"), std::string::npos);
  EXPECT_NE(rejection(good, 0, 2).find("MPI delivered it from rank 2"), std::string::npos);
  EXPECT_NE(rejection(good, 1, 1).find("arrived at rank 1"), std::string::npos);
  bad = good;
  bad.push_back(0);
  EXPECT_NE(rejection(bad).find("do not match"), std::string::npos);
  bad = good;
  bad.pop_back();
  EXPECT_NE(rejection(bad).find("do not match"), std::string::npos);
  EnvelopeHeader nameless = header();
  nameless.dst_name.clear();
  EXPECT_NE(rejection(make_envelope(nameless, Ping{})).find("destination name"), std::string::npos);
  EnvelopeHeader no_id = header(EnvelopeKind::reply);
  no_id.request_id = 0;
  EXPECT_NE(rejection(make_envelope(no_id, Ping{})).find("request id"), std::string::npos);
}

TEST(Envelope, EveryTruncationIsRejected) {
  const Bytes good = make_envelope(header(), testing::sample_item());
  for (std::size_t n = 0; n < good.size(); ++n) {
    Bytes cut(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(n));
    EXPECT_NE(rejection(cut), "") << "accepted a prefix of " << n << " bytes";
  }
}

TEST(Envelope, OverlongNameIsRefusedWhenSending) {
  EnvelopeHeader h = header();
  h.dst_name.assign(70000, 'x');
  EXPECT_THROW(begin_envelope(h), std::invalid_argument);
}

}  // namespace
}  // namespace apq::actors
