// The tasks' typed inputs and answers (pipeline/task_payloads.hpp) through the payload codec:
// architectures and policies arrive as the values sent, and a payload is never read as another
// task's type.
#include "pipeline/task_payloads.hpp"

#include <gtest/gtest.h>

namespace apq {
namespace {

SearchSpace fmnist_space() { return SearchSpace(default_fmnist_space()); }

TEST(TaskPayloads, SubnetsAndPoliciesArriveAsSent) {
  const SearchSpace space = fmnist_space();
  const Arch arch = space.largest();
  const Policy policy = space.uniform_policy(arch, 4);
  const auto task = actors::read_payload<QuantizedSubnetTask>(actors::make_payload(QuantizedSubnetTask{arch, policy}));
  EXPECT_EQ(task.arch, arch);
  EXPECT_EQ(task.policy, policy);
  EXPECT_NO_THROW(space.check(task.arch, task.policy));
  EXPECT_EQ(actors::read_payload<SubnetTask>(actors::make_payload(SubnetTask{space.smallest()})).arch, space.smallest());
}

TEST(TaskPayloads, APayloadIsNotReadAsAnotherType) {
  const SearchSpace space = fmnist_space();
  const actors::Payload p = actors::make_payload(SubnetTask{space.largest()});
  EXPECT_THROW(actors::read_payload<QuantizedSubnetTask>(p), actors::DecodeError);
  EXPECT_THROW(actors::read_payload<FpAnswer>(p), actors::DecodeError);
}

}  // namespace
}  // namespace apq
