#include "actors/message_registry.hpp"

#include <gtest/gtest.h>

#include "actors/messages.hpp"
#include "test_messages.hpp"

namespace apq::actors {
namespace {

struct Extra {
  static constexpr std::uint32_t type_id = 900;
  static constexpr const char* type_name = "test.Extra";
  std::int32_t x = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, Extra& e) {
  return f(e.x);
}
struct ClashingId {
  static constexpr std::uint32_t type_id = WorkItem::type_id;
  static constexpr const char* type_name = "test.Clash";
  std::int32_t x = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, ClashingId& e) {
  return f(e.x);
}
struct OrphanRequest {
  static constexpr std::uint32_t type_id = 901;
  static constexpr const char* type_name = "test.Orphan";
  using Reply = Extra;  // not registered alongside
  std::int32_t x = 0;
};
template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, OrphanRequest& e) {
  return f(e.x);
}

TEST(MessageRegistry, FindsEveryCoreTypeAndDecodesIntoCafMessages) {
  const auto registry = MessageRegistry::of(CoreMessages{});
  EXPECT_EQ(registry.size(), 7u);
  EXPECT_EQ(registry.find(999), nullptr);
  const MessageType* type = registry.find(WorkItem::type_id);
  ASSERT_NE(type, nullptr);
  EXPECT_EQ(type->name, "apq.WorkItem");
  EXPECT_EQ(type->reply_id, WorkResult::type_id);
  EXPECT_NE(type->serve, nullptr);
  EXPECT_EQ(registry.find(Migrants::type_id)->serve, nullptr);  // tell-only
  const Bytes bytes = encode(testing::sample_item());
  caf::message msg = type->decode(bytes.data(), bytes.size(), nullptr);
  ASSERT_TRUE(msg.match_elements<WorkItem>());
  EXPECT_TRUE(testing::same(msg.get_as<WorkItem>(0), testing::sample_item()));
  EXPECT_THROW(type->decode(bytes.data(), bytes.size() - 1, nullptr), DecodeError);
}

TEST(MessageRegistry, RejectsDuplicatesAndMissingReplies) {
  EXPECT_THROW(MessageRegistry::of(TypeList<WorkItem, WorkResult, ClashingId>{}), std::invalid_argument);
  EXPECT_THROW(MessageRegistry::of(TypeList<OrphanRequest>{}), std::invalid_argument);
  EXPECT_THROW(MessageRegistry::of(TypeList<Ping, Ping>{}), std::invalid_argument);
}

TEST(MessageRegistry, FingerprintChangesWithTheTypeList) {
  const auto core = MessageRegistry::of(CoreMessages{});
  const auto more = MessageRegistry::of(Concat<CoreMessages, TypeList<Extra>>{});
  EXPECT_EQ(core.fingerprint(), MessageRegistry::of(CoreMessages{}).fingerprint());
  EXPECT_NE(core.fingerprint(), more.fingerprint());
  EXPECT_NE(more.find(900), nullptr);
}

}  // namespace
}  // namespace apq::actors
