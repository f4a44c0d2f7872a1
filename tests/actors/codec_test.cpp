#include "actors/codec.hpp"

#include <gtest/gtest.h>

#include "actors/messages.hpp"
#include "test_messages.hpp"

namespace apq::actors {
namespace {

using namespace apq::actors::testing;

template <class T>
T round_trip(const T& value) {
  const Bytes bytes = encode(value);
  return decode<T>(bytes.data(), bytes.size());
}

TEST(Codec, EveryMessageTypeRoundTrips) {
  EXPECT_TRUE(same(round_trip(sample_item()), sample_item()));
  EXPECT_TRUE(same(round_trip(sample_result()), sample_result()));
  EXPECT_TRUE(same(round_trip(sample_migrants()), sample_migrants()));
  EXPECT_TRUE(same(round_trip(Shutdown{3}), Shutdown{3}));
  EXPECT_TRUE(same(round_trip(Abort{2, "disk full"}), Abort{2, "disk full"}));
  EXPECT_TRUE(same(round_trip(sample_blob()), sample_blob()));
  EXPECT_TRUE(same(round_trip(Ping{99, 1}), Ping{99, 1}));
  EXPECT_TRUE(same(round_trip(WorkItem{}), WorkItem{}));
}

TEST(Codec, NanAndInfinityBitPatternsArriveIdentical) {
  Blob blob;
  blob.floats = special_floats();
  const Blob back = round_trip(blob);
  ASSERT_EQ(back.floats.size(), blob.floats.size());
  for (std::size_t i = 0; i < blob.floats.size(); ++i) {
    std::uint32_t a, b;
    std::memcpy(&a, &blob.floats[i], 4);
    std::memcpy(&b, &back.floats[i], 4);
    EXPECT_EQ(a, b) << "float " << i;
  }
  WorkResult result;
  result.values = special_doubles();
  const WorkResult rback = round_trip(result);
  for (std::size_t i = 0; i < result.values.size(); ++i) {
    std::uint64_t a, b;
    std::memcpy(&a, &result.values[i], 8);
    std::memcpy(&b, &rback.values[i], 8);
    EXPECT_EQ(a, b) << "double " << i;
  }
}

TEST(Codec, LayoutIsLittleEndianRawBits) {
  Ping ping{0x0102030405060708ULL, -2};
  const Bytes bytes = encode(ping);
  ASSERT_EQ(bytes.size(), 12u);
  EXPECT_EQ(bytes[0], 0x08);
  EXPECT_EQ(bytes[7], 0x01);
  EXPECT_EQ(bytes[8], 0xfe);
  EXPECT_EQ(bytes[11], 0xff);
}

TEST(Codec, EveryTruncationIsRejected) {
  const Bytes bytes = encode(sample_item());
  for (std::size_t n = 0; n < bytes.size(); ++n)
    EXPECT_THROW(decode<WorkItem>(bytes.data(), n), DecodeError) << "prefix of " << n << " bytes";
}

TEST(Codec, TrailingBytesAreRejected) {
  Bytes bytes = encode(Ping{1, 2});
  bytes.push_back(0);
  try {
    decode<Ping>(bytes.data(), bytes.size());
    FAIL() << "trailing byte accepted";
  } catch (const DecodeError& e) {
    EXPECT_NE(std::string(e.what()).find("trailing"), std::string::npos) << e.what();
  }
}

TEST(Codec, HugeLengthIsRejectedWithoutAllocating) {
  Bytes bytes = encode(Blob{});
  // Blob: seq (8 bytes), then the byte vector's length: claim 2^60 elements.
  const std::uint64_t huge = 1ULL << 60;
  std::memcpy(bytes.data() + 8, &huge, 8);
  EXPECT_THROW(decode<Blob>(bytes.data(), bytes.size()), DecodeError);
}

TEST(Codec, SharedBytesPointIntoTheReceiveBufferWhenGivenItsOwner) {
  const Blob blob = sample_blob(5000);
  auto wire = std::make_shared<const Bytes>(encode(blob));
  const Blob shared = decode<Blob>(wire->data(), wire->size(), wire);
  EXPECT_TRUE(same(shared, blob));
  EXPECT_GE(shared.bytes.data(), wire->data());  // no copy: a view into the buffer
  EXPECT_LT(shared.bytes.data(), wire->data() + wire->size());
  const Blob copied = decode<Blob>(wire->data(), wire->size());
  EXPECT_TRUE(same(copied, blob));
  EXPECT_TRUE(copied.bytes.data() < wire->data() || copied.bytes.data() >= wire->data() + wire->size());
  // The view keeps the buffer alive after the last other owner lets go.
  std::weak_ptr<const Bytes> weak = wire;
  wire.reset();
  EXPECT_FALSE(weak.expired());
  EXPECT_EQ(shared.bytes[4999], static_cast<std::uint8_t>(4999 * 131 + 7));
}

TEST(Codec, InvalidBoolIsRejected) {
  Bytes bytes{2};
  ByteReader reader(bytes);
  bool b = false;
  EXPECT_THROW(reader(b), DecodeError);
}

}  // namespace
}  // namespace apq::actors
