// The bulk notice that announces an envelope too large for a posted receive.
#include <gtest/gtest.h>

#include "actors/envelope.hpp"
#include "actors/posted_receives.hpp"

namespace apq::actors {
namespace {

TEST(BulkNotice, CarriesTheAnnouncedSize) {
  for (std::size_t size : {std::size_t{8193}, std::size_t{100} << 20, std::size_t{1} << 40}) {
    const Bytes notice = bulk_notice(size);
    const auto parsed = parse_bulk_notice(notice.data(), notice.size());
    ASSERT_TRUE(parsed.has_value());
    EXPECT_EQ(*parsed, size);
  }
}

TEST(BulkNotice, IsNeverAnEnvelopeAndNothingElseIsANotice) {
  EXPECT_LT(bulk_notice(1).size(), kEnvelopeFixedSize);  // no envelope is as short
  Bytes notice = bulk_notice(12345);
  notice[0] ^= 1;  // another magic
  EXPECT_FALSE(parse_bulk_notice(notice.data(), notice.size()).has_value());
  const Bytes longer = bulk_notice(12345);
  EXPECT_FALSE(parse_bulk_notice(longer.data(), longer.size() - 1).has_value());
  EnvelopeHeader h;
  h.dst_name = "x";
  const Bytes envelope = make_error_envelope(h, "");
  EXPECT_FALSE(parse_bulk_notice(envelope.data(), envelope.size()).has_value());
}

}  // namespace
}  // namespace apq::actors
