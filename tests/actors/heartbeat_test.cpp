#include "actors/heartbeat.hpp"

#include <gtest/gtest.h>

namespace apq::actors {
namespace {

using Clock = Heartbeats::Clock;
Clock::time_point at(double seconds) {
  return Clock::time_point{} + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

TEST(Heartbeats, RankZeroWatchesEveryRankAndTheOthersWatchRankZero) {
  EXPECT_EQ(Heartbeats(0, 4, 1, 10, at(0)).peers(), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(Heartbeats(2, 4, 1, 10, at(0)).peers(), (std::vector<int>{0}));
  EXPECT_TRUE(Heartbeats(0, 1, 1, 10, at(0)).peers().empty());  // one rank: nobody to watch
  EXPECT_FALSE(Heartbeats(0, 4, 1, 0, at(0)).enabled());         // timeout 0: off
}

TEST(Heartbeats, DueOncePerInterval) {
  Heartbeats h(1, 2, 1.0, 10.0, at(0));
  EXPECT_FALSE(h.due(at(0.5)));
  EXPECT_TRUE(h.due(at(1.0)));
  EXPECT_FALSE(h.due(at(1.9)));
  EXPECT_TRUE(h.due(at(2.1)));
}

TEST(Heartbeats, ASilentRankIsReportedAfterTheTimeoutAndAnArrivalKeepsItAlive) {
  Heartbeats h(0, 3, 1.0, 5.0, at(0));
  h.arrived(1);
  h.arrived(2);
  EXPECT_FALSE(h.check(at(4)));  // both stamped at 4
  h.arrived(1);                  // rank 2 says nothing from here on
  EXPECT_FALSE(h.check(at(8)));
  h.arrived(1);
  const auto silent = h.check(at(9.5));
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->rank, 2);
  EXPECT_DOUBLE_EQ(silent->seconds, 5.5);
  h.arrived(99);  // a source outside the job is ignored
  h.arrived(-1);
}

TEST(Heartbeats, TheLongestSilentRankIsNamed) {
  Heartbeats h(0, 3, 1.0, 2.0, at(0));
  h.arrived(2);
  h.check(at(1));
  const auto silent = h.check(at(3.5));
  ASSERT_TRUE(silent);
  EXPECT_EQ(silent->rank, 1);
}

TEST(Heartbeats, SettingsAreChecked) {
  EXPECT_EQ(Heartbeats::settings_problem(1, 30), "");
  EXPECT_EQ(Heartbeats::settings_problem(5, 0), "");  // off
  EXPECT_NE(Heartbeats::settings_problem(5, 2), "");
  EXPECT_NE(Heartbeats::settings_problem(0, 2), "");
  EXPECT_THROW(Heartbeats(0, 2, 3, 2, at(0)), std::invalid_argument);
}

}  // namespace
}  // namespace apq::actors
