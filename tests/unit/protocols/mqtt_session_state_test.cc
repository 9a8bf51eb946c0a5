// MqttDelivery's packet ids: allocation skips ids in flight, and
// acknowledgements find their message whatever order they come in,
// including a window whose ids span the whole circle. MqttSessionState
// keeps its permissions while offline.

#include <gtest/gtest.h>

#include <memory>

#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {
namespace {

std::uint16_t send(MqttDelivery& s) {
  std::uint16_t id = s.allocatePacketId();
  s.inflight.push_back(MqttInflight{id, MqttInflight::Stage::kAwaitPuback, {}});
  return id;
}

TEST(MqttDelivery, AFullWindowIsFoundAndAcknowledgedInOrder) {
  MqttDelivery s;
  for (std::uint32_t i = 1; i <= 65534; ++i) ASSERT_EQ(send(s), i);
  EXPECT_EQ(send(s), 65535);
  for (std::uint32_t i = 1; i <= 65535; ++i) {
    auto id = static_cast<std::uint16_t>(i);
    ASSERT_NE(s.findInflight(id), nullptr) << id;
    ASSERT_TRUE(s.eraseInflight(id)) << id;
  }
  EXPECT_TRUE(s.inflight.empty());
  EXPECT_EQ(send(s), 1);  // wrapped past 65535, 0 skipped
}

TEST(MqttDelivery, AcknowledgementsOutOfOrder) {
  MqttDelivery s;
  for (int i = 0; i < 10; ++i) send(s);
  EXPECT_TRUE(s.eraseInflight(3));
  EXPECT_TRUE(s.eraseInflight(10));
  EXPECT_FALSE(s.eraseInflight(3));
  EXPECT_FALSE(s.eraseInflight(11));
  EXPECT_EQ(s.findInflight(0), nullptr);
  EXPECT_NE(s.findInflight(7), nullptr);
  EXPECT_EQ(send(s), 11);
  for (std::uint16_t id : {1, 2, 4, 5, 6, 7, 8, 9, 11}) EXPECT_TRUE(s.eraseInflight(id)) << id;
  EXPECT_TRUE(s.inflight.empty());
}

TEST(MqttDelivery, AWindowSpanningTheWholeCircleStillFindsEveryId) {
  MqttDelivery s;
  std::uint16_t stuck = send(s);  // never acknowledged
  EXPECT_EQ(stuck, 1);
  // 65534 others come and go, the last one stays: ids 2..65535.
  std::uint16_t last = 0;
  for (int i = 0; i < 65534; ++i) {
    last = send(s);
    if (i != 65533) {
      ASSERT_TRUE(s.eraseInflight(last));
    }
  }
  EXPECT_EQ(last, 65535);
  // The circle wraps: 1 is in flight, so 2 is next, and it lands behind
  // 65535 although it is nearer to the oldest (1).
  std::uint16_t wrapped = send(s);
  EXPECT_EQ(wrapped, 2);
  EXPECT_EQ(send(s), 3);
  for (std::uint16_t id : {std::uint16_t{3}, wrapped, last, stuck}) {
    ASSERT_NE(s.findInflight(id), nullptr) << id;
    EXPECT_TRUE(s.eraseInflight(id)) << id;
  }
  EXPECT_TRUE(s.inflight.empty());
}

}  // namespace
}  // namespace linecast

namespace linecast {
namespace {

// Offline, a state keeps the permissions it was given (a restore) in its
// one link word; none means everything is permitted; a detach while
// offline keeps them.
TEST(MqttSessionState, OfflineItKeepsItsPermissions) {
  MqttSessionState s;
  EXPECT_EQ(s.connection(), nullptr);
  EXPECT_EQ(s.permissions(), nullptr);
  EXPECT_TRUE(s.permits("any/topic"));
  auto user = std::make_shared<Permissions>(Permissions{{"a.>"}, {"a.>"}, {"a.x"}});
  s.detachWith(user);
  EXPECT_EQ(s.connection(), nullptr);
  EXPECT_EQ(s.permissions(), user.get());
  EXPECT_EQ(user.use_count(), 2);
  EXPECT_TRUE(s.permits("a/b"));
  EXPECT_FALSE(s.permits("a/x"));
  EXPECT_FALSE(s.permits("b"));
  s.detach();  // not online: nothing changes
  EXPECT_EQ(s.permissions(), user.get());
  s.detachWith(nullptr);
  EXPECT_EQ(s.permissions(), nullptr);
  EXPECT_EQ(user.use_count(), 1);
}

}  // namespace
}  // namespace linecast
