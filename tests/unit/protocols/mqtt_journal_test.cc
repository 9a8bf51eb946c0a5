// MqttJournal and restoreMqtt on a temporary data directory, without a
// connection: a stored session's window, queue, subscriptions and inbound
// QoS 2 ids read back as they were; a message costs one record and its
// acknowledgement erases it; clean sessions and QoS 0 write nothing; the
// MQTT-only retained messages; a foreign record stops the start.

#include <map>
#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "../../temp_file.h"
#include "metrics.h"
#include "persist/data_store.h"
#include "persist/store_turn.h"
#include "persist/store_writer.h"
#include "protocols/mqtt/mqtt_index.h"
#include "protocols/mqtt/mqtt_journal.h"
#include "protocols/mqtt/mqtt_outbox.h"
#include "protocols/mqtt/mqtt_restore.h"
#include "protocols/mqtt/mqtt_store_records.h"

namespace linecast {
namespace {

constexpr RetainedLimits kLimits{100, 10'000};

// A journal over a StoreWriter on the directory; destroyed, everything it
// staged is on the disk.
struct Journaled {
  explicit Journaled(const std::string& dir)
      : writer(std::make_unique<DataStore>(dir), FsyncPolicy::kAlways), turn(&writer) {}
  StoreWriter writer;
  StoreTurn turn;
  MqttJournal journal{turn};
  Metrics metrics;
  MqttOutbox outbox{MqttLimits{2, 3}, metrics, journal};
  MqttIndex index{outbox};  // holds the sessions' filters
};

std::size_t records(const std::string& dir, std::string_view space) {
  DataStore store(dir);
  std::size_t n = 0;
  store.forEach(space, [&](std::string_view, std::string_view) { ++n; });
  return n;
}

TEST(MqttJournal, AStoredSessionReadsBackAsItWas) {
  testing_files::TempDirectory dir("mqtt-journal");
  {
    Journaled j(dir.path());
    MqttSessionState s;
    s.clientId = "dev";
    s.clean = false;
    s.detachWith(std::make_shared<Permissions>(Permissions{{"a.>"}, {"a.>", "b"}, {"a.x"}}));
    j.journal.connected(s);
    ASSERT_NE(s.storeId, 0u);
    ASSERT_TRUE(j.journal.subscribed(s, "a/#", 2));
    ASSERT_TRUE(j.journal.subscribed(s, "b", 1));
    j.index.add(s, "a/#", 2);
    j.index.add(s, "b", 1);
    // Offline: all four are queued, the oldest dropped past 3.
    for (int i = 0; i < 4; ++i) j.outbox.deliver(s, "a/x", "m" + std::to_string(i), i % 2 == 0 ? 1 : 2, false);
    s.delivery().awaitingPubrel.push_back(7);
    j.journal.pubrelAwaited(s, 7);
    j.journal.unsubscribed(s, "b");
    ASSERT_TRUE(j.index.remove(s, "b"));
  }
  EXPECT_EQ(records(dir.path(), mqtt_records::kMessages), 3u);
  DataStore store(dir.path());
  auto stored = restoreMqtt(store, kLimits);
  ASSERT_EQ(stored->sessions.size(), 1u);
  const MqttSessionState& s = *stored->sessions[0];
  EXPECT_EQ(s.clientId, "dev");
  EXPECT_FALSE(s.clean);
  // The filters come apart from the session: its index does not exist yet.
  EXPECT_TRUE(s.filters.empty());
  ASSERT_EQ(stored->subscriptions.size(), 1u);
  EXPECT_EQ(stored->subscriptions[0].state, &s);
  EXPECT_EQ(stored->subscriptions[0].filter, "a/#");
  EXPECT_EQ(stored->subscriptions[0].qos, 2);
  ASSERT_NE(s.heldDelivery(), nullptr) << "made on restore: the session holds messages";
  const MqttDelivery& held = *s.heldDelivery();
  ASSERT_EQ(held.queued.size(), 3u);
  EXPECT_EQ(held.queued[0].payload, "m1");
  EXPECT_EQ(held.queued[0].qos, 2);
  EXPECT_EQ(held.queued[2].payload, "m3");
  EXPECT_EQ(held.queued[2].topic, "a/x");
  EXPECT_TRUE(held.inflight.empty());
  EXPECT_EQ(held.awaitingPubrel, std::vector<std::uint16_t>{7});
  EXPECT_EQ(held.nextStoreSequence, 5u);
  // Its deliveries are checked against these until its client is back.
  ASSERT_NE(s.permissions(), nullptr);
  EXPECT_EQ(s.connection(), nullptr);
  EXPECT_EQ(s.permissions()->subscribe, (std::vector<std::string>{"a.>", "b"}));
  EXPECT_EQ(s.permissions()->denySubscribe, std::vector<std::string>{"a.x"});
  EXPECT_FALSE(s.permits("a/x"));
  EXPECT_EQ(stored->nextSessionId, s.storeId + 1);
}

TEST(MqttJournal, TheWindowKeepsItsIdsAndStagesAndAnAckErasesTheRecord) {
  testing_files::TempDirectory dir("mqtt-journal");
  std::uint16_t firstId = 0;
  {
    Journaled j(dir.path());
    MqttSessionState s;
    s.clientId = "w";
    s.clean = false;
    j.journal.connected(s);
    // Online without a connection is offline: put the messages in the
    // window the way a reconnect's pump would, through the journal.
    for (int i = 0; i < 3; ++i) {
      MqttInflight m;
      m.packetId = s.delivery().allocatePacketId();
      m.stage = i == 2 ? MqttInflight::Stage::kAwaitPubrec : MqttInflight::Stage::kAwaitPuback;
      m.message = MqttMessage{"t", "p" + std::to_string(i), static_cast<std::uint8_t>(i == 2 ? 2 : 1), false, 0};
      s.delivery().inflight.push_back(std::move(m));
      j.journal.inflight(s, s.delivery().inflight.back());
    }
    firstId = s.delivery().inflight[0].packetId;
    j.outbox.puback(s, firstId);  // erases its record
    j.outbox.pubrec(s, s.delivery().inflight[1].packetId);  // at the wrong stage: nothing
    j.outbox.pubrec(s, s.delivery().inflight.back().packetId);  // the QoS 2 one passes PUBREC
  }
  DataStore store(dir.path());
  auto stored = restoreMqtt(store, kLimits);
  ASSERT_EQ(stored->sessions.size(), 1u);
  MqttSessionState& s = *stored->sessions[0];
  ASSERT_EQ(s.delivery().inflight.size(), 2u);
  EXPECT_EQ(s.delivery().inflight[0].packetId, firstId + 1);
  EXPECT_EQ(s.delivery().inflight[0].stage, MqttInflight::Stage::kAwaitPuback);
  EXPECT_EQ(s.delivery().inflight[0].message.payload, "p1");
  EXPECT_EQ(s.delivery().inflight[1].packetId, firstId + 2);
  EXPECT_EQ(s.delivery().inflight[1].stage, MqttInflight::Stage::kAwaitPubcomp);
  // The next id follows the newest, and the restored window is searchable.
  EXPECT_EQ(s.delivery().nextPacketId, firstId + 3);
  EXPECT_NE(s.delivery().findInflight(static_cast<std::uint16_t>(firstId + 2)), nullptr);
}

TEST(MqttJournal, CleanSessionsAndDiscardedOnesLeaveNothing) {
  testing_files::TempDirectory dir("mqtt-journal");
  {
    Journaled j(dir.path());
    MqttSessionState clean;
    clean.clientId = "c";
    ASSERT_TRUE(j.journal.subscribed(clean, "x", 1));  // not stored: nothing staged
    j.outbox.deliver(clean, "x", "1", 1, false);
    MqttSessionState gone;
    gone.clientId = "g";
    gone.clean = false;
    j.journal.connected(gone);
    ASSERT_TRUE(j.journal.subscribed(gone, "y", 1));
    j.index.add(gone, "y", 1);
    j.outbox.deliver(gone, "y", "1", 1, false);
    gone.delivery().awaitingPubrel.push_back(3);
    j.journal.pubrelAwaited(gone, 3);
    j.journal.discarded(gone);
    EXPECT_GT(j.writer.staged(), 0u);
  }
  for (auto space : {mqtt_records::kSessions, mqtt_records::kSubscriptions, mqtt_records::kMessages,
                     mqtt_records::kAwaitingPubrel}) {
    EXPECT_EQ(records(dir.path(), space), 0u) << space;
  }
}

TEST(MqttJournal, AFilterTooLongForAKeyIsRefusedForAStoredSessionOnly) {
  testing_files::TempDirectory dir("mqtt-journal");
  Journaled j(dir.path());
  MqttSessionState s;
  s.clientId = "long";
  std::string filter(MqttJournal::kLongestFilter + 1, 'f');
  EXPECT_TRUE(j.journal.subscribed(s, filter, 1));
  s.clean = false;
  j.journal.connected(s);
  EXPECT_FALSE(j.journal.subscribed(s, filter, 1));
  EXPECT_TRUE(j.journal.subscribed(s, filter.substr(1), 1));
}

TEST(MqttJournal, MqttOnlyRetainedMessagesReadBackWithTheirQos) {
  testing_files::TempDirectory dir("mqtt-journal");
  {
    Journaled j(dir.path());
    MqttLocalRetained retained(kLimits);
    retained.setJournal(&j.journal);
    retained.retain("$sys/a", "one", 2);
    retained.retain("a b", "two", 1);
    retained.retain("gone", "x", 1);
    retained.retain("gone", "", 0);
  }
  DataStore store(dir.path());
  auto stored = restoreMqtt(store, kLimits);
  EXPECT_EQ(stored->retainedCount, 2u);
  std::map<std::string, std::string> found;
  stored->retained.forEachMatch("#", [&](std::string_view topic, std::string_view payload, std::uint8_t qos) {
    found.emplace(topic, std::string(payload) + "@" + std::to_string(qos));
  });
  EXPECT_EQ(found, (std::map<std::string, std::string>{{"a b", "two@1"}}));  // '#' skips '$' topics
  found.clear();
  stored->retained.forEachMatch("$sys/#", [&](std::string_view topic, std::string_view payload, std::uint8_t qos) {
    found.emplace(topic, std::string(payload) + "@" + std::to_string(qos));
  });
  EXPECT_EQ(found, (std::map<std::string, std::string>{{"$sys/a", "one@2"}}));
}

TEST(MqttJournal, ARecordOfNoSessionStopsTheStart) {
  testing_files::TempDirectory dir("mqtt-journal");
  {
    StoreWriter writer(std::make_unique<DataStore>(dir.path()), FsyncPolicy::kAlways);
    std::string key;
    writer.put(mqtt_records::kMessages, mqtt_records::messageKey(key, 9, 1), "garbage");
  }
  DataStore store(dir.path());
  try {
    restoreMqtt(store, kLimits);
    FAIL() << "no StoreError";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("malformed MQTT message record"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace linecast
