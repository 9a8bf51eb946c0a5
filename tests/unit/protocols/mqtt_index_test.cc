// MqttIndex and MqttOutbox without a connection: offline persistent
// sessions hold their QoS 1/2 deliveries, so what the index decided is
// visible in each state's queue.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "metrics.h"
#include "protocols/mqtt/mqtt_index.h"
#include "protocols/mqtt/mqtt_outbox.h"

namespace linecast {
namespace {

struct IndexFixture {
  Metrics metrics;
  StoreTurn turn;  // no --data-dir
  MqttJournal journal{turn};
  MqttOutbox outbox{MqttLimits{2, 3}, metrics, journal};
  MqttIndex index{outbox};
};

TEST(MqttIndex, OncePerSessionAtTheHighestGrantedQos) {
  IndexFixture f;
  MqttSessionState s;
  f.index.add(s, "a/+", 1);
  f.index.add(s, "a/#", 2);
  f.index.add(s, "a/b", 0);
  EXPECT_EQ(f.index.subscriptionCount(), 3u);
  EXPECT_EQ(f.index.publishTopic("a/b", "x", 2), 1u);
  ASSERT_EQ(s.delivery().queued.size(), 1u);
  EXPECT_EQ(s.delivery().queued.front().qos, 2);
  // Capped by the message's QoS.
  EXPECT_EQ(f.index.publishTopic("a/b", "y", 1), 1u);
  EXPECT_EQ(s.delivery().queued.back().qos, 1);
  // QoS 0 to an offline session is dropped.
  EXPECT_EQ(f.index.publishTopic("a/b", "z", 0), 0u);
  EXPECT_EQ(s.delivery().queued.size(), 2u);
}

// Issue 14: the QoS 1/2 side of a session (MqttDelivery) is made only when
// a QoS 1/2 message is held for it, never for QoS 0 traffic.
TEST(MqttIndex, AQos0SubscriberGetsNoQos12Side) {
  IndexFixture f;
  MqttSessionState s;
  f.index.add(s, "a/b", 0);
  EXPECT_EQ(f.index.publishTopic("a/b", "x", 2), 0u) << "capped at QoS 0, offline: dropped";
  EXPECT_EQ(s.heldDelivery(), nullptr);
  f.index.add(s, "a/b", 1);
  EXPECT_EQ(f.index.publishTopic("a/b", "y", 1), 1u);
  ASSERT_NE(s.heldDelivery(), nullptr);
  EXPECT_EQ(s.heldDelivery()->queued.size(), 1u);
}

TEST(MqttIndex, ChannelsFromOtherProtocolsComeAtQos1) {
  IndexFixture f;
  MqttSessionState s;
  f.index.add(s, "room1/#", 2);
  EXPECT_EQ(f.index.countMatches("room1.tv.volume"), 1u);
  EXPECT_EQ(f.index.countMatches("room2"), 0u);
  EXPECT_EQ(f.index.publish("room1.tv.volume", "7"), 1u);
  ASSERT_EQ(s.delivery().queued.size(), 1u);
  EXPECT_EQ(s.delivery().queued.front().topic, "room1/tv/volume");
  EXPECT_EQ(s.delivery().queued.front().qos, 1);
  // "a/#" matches "a" (4.7.1-2).
  EXPECT_EQ(f.index.publish("room1", "p"), 1u);
}

TEST(MqttIndex, RemoveAndReplace) {
  IndexFixture f;
  MqttSessionState s;
  MqttSessionState t;
  f.index.add(s, "x", 1);
  f.index.add(s, "x", 2);  // replaced, not doubled
  f.index.add(t, "x", 1);
  EXPECT_EQ(f.index.subscriptionCount(), 2u);
  f.index.remove(s, "x");
  f.index.remove(s, "x");
  EXPECT_EQ(f.index.subscriptionCount(), 1u);
  EXPECT_EQ(f.index.publishTopic("x", "m", 1), 1u);
  EXPECT_EQ(s.heldDelivery(), nullptr) << "no QoS 1/2 side made for a session that got nothing";
  EXPECT_EQ(t.delivery().queued.size(), 1u);
}

// Step 7 of docs/notes-mqtt-compact.md: a session's filters are the index's
// records. A session holding many filters, removed in an order that moves
// its last one into each hole, keeps every remaining filter reachable and
// the records shared with another session intact; removeAll leaves nothing.
TEST(MqttIndex, ASessionsFiltersAreTheIndexsRecords) {
  IndexFixture f;
  MqttSessionState s;
  MqttSessionState t;
  constexpr int kFilters = 3000;
  for (int i = 0; i < kFilters; ++i) f.index.add(s, "f/" + std::to_string(i), 1);
  f.index.add(s, "w/+", 1);
  f.index.add(t, "w/+", 1);
  f.index.add(t, "f/7", 1);
  EXPECT_EQ(s.filters.size(), static_cast<std::uint32_t>(kFilters + 1));
  EXPECT_EQ(s.filters[0]->first, "f/0");
  EXPECT_EQ(t.filters.size(), 2u);
  // Every other one, from the front: each removal moves the session's last.
  for (int i = 0; i < kFilters; i += 2) EXPECT_TRUE(f.index.remove(s, "f/" + std::to_string(i)));
  EXPECT_FALSE(f.index.remove(s, "f/0"));
  EXPECT_EQ(s.filters.size(), static_cast<std::uint32_t>(kFilters / 2 + 1));
  for (int i = 0; i < kFilters; ++i) {
    std::size_t before = s.heldDelivery() == nullptr ? 0 : s.heldDelivery()->queued.size();
    f.index.publishTopic("f/" + std::to_string(i), "m", 1);
    std::size_t after = s.heldDelivery() == nullptr ? 0 : s.heldDelivery()->queued.size();
    EXPECT_EQ(after - before, i % 2 == 0 ? 0u : 1u) << i;
    if (after > 0) s.delivery().queued.clear();
  }
  // The rest one by one through the slots the removals rewrote.
  for (int i = 1; i < kFilters; i += 2) EXPECT_TRUE(f.index.remove(s, "f/" + std::to_string(i))) << i;
  ASSERT_EQ(s.filters.size(), 1u);
  EXPECT_EQ(s.filters[0]->first, "w/+");
  f.index.removeAll(s);
  EXPECT_TRUE(s.filters.empty());
  EXPECT_EQ(f.index.subscriptionCount(), 2u) << "t's two are its own";
  EXPECT_EQ(f.index.publishTopic("w/x", "m", 1), 1u);
  EXPECT_EQ(f.index.publishTopic("f/7", "m", 1), 1u);
  f.index.removeAll(t);
  EXPECT_EQ(f.index.subscriptionCount(), 0u);
  EXPECT_TRUE(t.filters.empty());
}

struct InterestLog final : InterestSink {
  std::vector<std::string> seen;
  void gained(InterestKind kind, std::string_view text) override {
    EXPECT_EQ(kind, InterestKind::kMqttFilter);
    seen.push_back("+" + std::string(text));
  }
  void lost(InterestKind kind, std::string_view text) override {
    EXPECT_EQ(kind, InterestKind::kMqttFilter);
    seen.push_back("-" + std::string(text));
  }
};

TEST(MqttIndex, ReportsEachFiltersFirstAndLastSubscriberAndWhatItHeldBefore) {
  IndexFixture f;
  MqttSessionState s1;
  MqttSessionState s2;
  f.index.add(s1, "held/+", 1);  // restored before --cluster attached
  InterestLog log;
  f.index.setInterestSink(&log);
  EXPECT_EQ(log.seen, (std::vector<std::string>{"+held/+"}));
  log.seen.clear();
  f.index.add(s1, "a/b", 1);
  f.index.add(s2, "a/b", 0);
  f.index.add(s1, "w/#", 1);
  f.index.add(s2, "w/#", 1);
  f.index.add(s2, "w/#", 2);  // a replaced QoS is no new interest
  f.index.remove(s1, "a/b");
  f.index.remove(s1, "w/#");
  EXPECT_EQ(log.seen, (std::vector<std::string>{"+a/b", "+w/#"}));
  f.index.remove(s2, "a/b");
  f.index.remove(s2, "w/#");
  f.index.remove(s2, "w/#");  // not held: nothing
  EXPECT_EQ(log.seen, (std::vector<std::string>{"+a/b", "+w/#", "-a/b", "-w/#"}));
}

TEST(MqttOutbox, QueueDropsTheOldestPastTheLimit) {
  IndexFixture f;
  MqttSessionState s;
  for (int i = 0; i < 5; ++i) f.outbox.deliver(s, "t", std::to_string(i), 1, false);
  ASSERT_EQ(s.delivery().queued.size(), 3u);
  EXPECT_EQ(s.delivery().queued.front().payload, "2");
  EXPECT_EQ(f.metrics.mqttDropped.load(), 2u);
  EXPECT_EQ(f.metrics.mqttQueuedMessages.load(), 3);
  f.outbox.forget(s);
  EXPECT_EQ(f.metrics.mqttQueuedMessages.load(), 0);
}

TEST(MqttSessionState, PacketIdsSkipThoseInFlightAndZero) {
  MqttSessionState s;
  s.delivery().nextPacketId = 65535;
  s.delivery().inflight.push_back(MqttInflight{1, MqttInflight::Stage::kAwaitPuback, {}});
  EXPECT_EQ(s.delivery().allocatePacketId(), 65535);
  EXPECT_EQ(s.delivery().allocatePacketId(), 2);  // 0 is no id, 1 is in flight
  EXPECT_TRUE(s.delivery().eraseInflight(1));
  EXPECT_FALSE(s.delivery().eraseInflight(1));
}

}  // namespace
}  // namespace linecast
