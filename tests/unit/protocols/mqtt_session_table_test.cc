// MqttSessionTable: states are found by the client id they hold (the
// table keeps no copy of it), including ids too long for std::string's
// inline buffer, and the sessions gauge follows creates and erases.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "protocols/mqtt/mqtt_session_table.h"

namespace linecast {
namespace {

TEST(MqttSessionTable, FindsEachStateByItsOwnClientId) {
  Metrics metrics;
  MqttSessionTable table(metrics);
  const std::string longId(100, 'x');
  MqttSessionState& a = table.create("a");
  MqttSessionState& b = table.create(longId);
  EXPECT_EQ(a.clientId, "a");
  EXPECT_EQ(b.clientId, longId);
  EXPECT_EQ(table.find("a"), &a);
  EXPECT_EQ(table.find(longId), &b);
  EXPECT_EQ(table.find(std::string(99, 'x')), nullptr);
  EXPECT_EQ(table.find(""), nullptr);
  EXPECT_EQ(table.size(), 2u);
  EXPECT_EQ(metrics.mqttSessions.load(), 2);

  table.erase("a");
  table.erase("a");  // not held: nothing
  EXPECT_EQ(table.find("a"), nullptr);
  EXPECT_EQ(table.find(longId), &b);
  EXPECT_EQ(table.size(), 1u);
  EXPECT_EQ(metrics.mqttSessions.load(), 1);
}

TEST(MqttSessionTable, AdoptsAStateReadBackUnderItsId) {
  Metrics metrics;
  MqttSessionTable table(metrics);
  auto restored = std::make_unique<MqttSessionState>();
  restored->clientId = "restored-client";
  restored->clean = false;
  MqttSessionState* held = restored.get();
  EXPECT_EQ(&table.adopt(std::move(restored)), held);
  ASSERT_EQ(table.find("restored-client"), held);
  EXPECT_FALSE(held->clean);
}

TEST(MqttSessionTable, AssignedIdsSkipHeldOnes) {
  Metrics metrics;
  MqttSessionTable table(metrics);
  table.create("linecast-1");
  std::string id = table.assignId();
  EXPECT_EQ(id, "linecast-2");
  table.create(id);
  EXPECT_EQ(table.assignId(), "linecast-3");
}

TEST(MqttSessionTable, ThousandsThroughGrowthAndErasesStayFindable) {
  Metrics metrics;
  MqttSessionTable table(metrics);
  std::vector<MqttSessionState*> made;
  for (int i = 0; i < 5000; ++i) made.push_back(&table.create("client-" + std::to_string(i)));
  for (int i = 0; i < 5000; i += 2) table.erase("client-" + std::to_string(i));
  EXPECT_EQ(table.size(), 2500u);
  for (int i = 0; i < 5000; ++i) {
    MqttSessionState* found = table.find("client-" + std::to_string(i));
    EXPECT_EQ(found, i % 2 == 0 ? nullptr : made[static_cast<std::size_t>(i)]) << i;
  }
  EXPECT_EQ(metrics.mqttSessions.load(), 2500);
}

TEST(MqttSessionTable, TheGaugeGivesBackWhatATableHeldWhenItGoes) {
  Metrics metrics;
  {
    MqttSessionTable table(metrics);
    table.create("one");
    table.create("two");
    EXPECT_EQ(metrics.mqttSessions.load(), 2);
  }
  EXPECT_EQ(metrics.mqttSessions.load(), 0);
}

}  // namespace
}  // namespace linecast
