#include "actors/layout.hpp"

#include <gtest/gtest.h>

namespace apq::actors {
namespace {

std::vector<std::string> names(const std::vector<Address>& as) {
  std::vector<std::string> out;
  for (const auto& a : as) out.push_back(to_string(a));
  return out;
}

TEST(Layout, PlacesRolesFromConfigValues) {
  const Layout layout({2, 2, 5});
  EXPECT_EQ(layout.coordinator(), (Address{0, "coordinator"}));
  EXPECT_EQ(layout.num_workers(), 4);
  EXPECT_EQ(names(layout.workers()), (std::vector<std::string>{"worker.0.0@0", "worker.1.0@1",
                                                               "worker.0.1@0", "worker.1.1@1"}));
  EXPECT_EQ(names(layout.workers_on(1)), (std::vector<std::string>{"worker.1.0@1", "worker.1.1@1"}));
  EXPECT_EQ(names(layout.islands_on(0)),
            (std::vector<std::string>{"island.0@0", "island.2@0", "island.4@0"}));
  EXPECT_EQ(names(layout.islands_on(1)), (std::vector<std::string>{"island.1@1", "island.3@1"}));
  EXPECT_EQ(layout.next_island(4), (Address{0, "island.0"}));
  EXPECT_EQ(names(layout.roles_on(0)),
            (std::vector<std::string>{"coordinator@0", "worker.0.0@0", "worker.0.1@0",
                                      "island.0@0", "island.2@0", "island.4@0"}));
  EXPECT_EQ(layout.roles_on(1).size(), 4u);
}

TEST(Layout, MoreRanksThanIslandsLeavesSomeRanksWithout) {
  const Layout layout({4, 1, 2});
  EXPECT_EQ(layout.islands_on(2).size(), 0u);
  EXPECT_EQ(layout.island(1).rank, 1);
  EXPECT_EQ(layout.workers().size(), 4u);
}

TEST(Layout, BadValuesAreRejected) {
  EXPECT_THROW(Layout({0, 1, 0}), std::invalid_argument);
  EXPECT_THROW(Layout({1, -1, 0}), std::invalid_argument);
  EXPECT_THROW(Layout({1, 1, -2}), std::invalid_argument);
  const Layout layout({2, 1, 1});
  EXPECT_THROW(layout.worker(2, 0), std::out_of_range);
  EXPECT_THROW(layout.worker(0, 1), std::out_of_range);
  EXPECT_THROW(layout.island(1), std::out_of_range);
  EXPECT_THROW(layout.roles_on(-1), std::out_of_range);
}

}  // namespace
}  // namespace apq::actors
