// MQTT under --data-dir (docs/PROTOCOL.md, "MQTT 3.1.1", Persistence),
// against the real binary restarted on the same directory: a persistent
// session keeps its subscriptions, its queue and its window (redelivered
// with DUP and their packet ids, a PUBREL for one past PUBREC) and its
// inbound QoS 2 ids; a clean session leaves nothing; MQTT-only retained
// messages keep their QoS; under --fsync always every QoS 1 PUBLISH that
// was acknowledged survives a kill -9, and under everysec the loss is
// measured and printed.

#include <signal.h>

#include <chrono>
#include <iostream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "../temp_file.h"
#include "mqtt_test_client.h"
#include "server_test.h"

namespace linecast::test {
namespace {

using C = MqttTestClient;

class MqttPersistTest : public ServerTest {
 protected:
  MqttPersistTest() : temp_("mqtt-data-dir"), dir_(temp_.path()) {}
  bool startInSetUp() const override { return false; }

  // A server on the directory, started; the test's own until it is replaced.
  ServerProcess& run(const std::string& fsync) {
    servers_.push_back(std::make_unique<ServerProcess>());
    mqttPort_ = freePort();
    EXPECT_TRUE(servers_.back()->start({"--data-dir", dir_, "--fsync", fsync, "--mqtt-port",
                                        std::to_string(mqttPort_), "--mqtt-max-inflight", "100",
                                        "--mqtt-max-queued", "20000"}));
    return *servers_.back();
  }
  TestClient line() {
    TestClient c;
    EXPECT_TRUE(c.connect(servers_.back()->port()));
    return c;
  }
  // A persistent session "sub" on `filter` at QoS 1, left offline.
  void offlineSubscriber(const std::string& filter) {
    MqttTestClient sub;
    ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "sub", .clean = false}));
    ASSERT_TRUE(sub.subscribe(1, {{filter, 1}}, {1}));
    ASSERT_TRUE(sub.send(C::disconnect()));
    ASSERT_TRUE(sub.expectClosed());
  }
  // Publishes QoS 1 messages "0", "1", ... to d/t, 250 at a time with at
  // most 500 unacknowledged, and kills the server with SIGKILL once `killAt`
  // PUBACKs came (they come in order). Returns how many were acknowledged.
  int publishUntilKilled(ServerProcess& server, int total, int killAt) {
    MqttTestClient pub;
    EXPECT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
    int sent = 0;
    int acked = 0;
    while (acked < killAt && sent < total) {
      std::string chunk;
      for (int i = 0; i < 250 && sent < total; ++i, ++sent) {
        chunk += C::publishPacket("d/t", std::to_string(sent), 1, static_cast<std::uint16_t>(sent % 65535 + 1));
      }
      if (!pub.send(chunk)) break;
      while (acked < killAt && sent - acked > 250) {
        auto ack = pub.readPacket();
        if (!ack || ack->type() != 4) break;
        ++acked;
      }
    }
    while (acked < killAt) {
      auto ack = pub.readPacket();
      if (!ack || ack->type() != 4) break;
      ++acked;
    }
    EXPECT_TRUE(server.killNine());
    return acked;
  }
  // Reconnects "sub" (session present) and acknowledges every message until
  // none comes for a second: the payloads, in the order received.
  std::vector<int> drainSubscriber() {
    MqttTestClient sub;
    EXPECT_TRUE(sub.connect(mqttPort_, {.clientId = "sub", .clean = false}, true));
    std::vector<int> got;
    for (int i = 0; i < 20'000; ++i) {
      auto p = sub.readPacket(std::chrono::milliseconds(1000));
      if (!p) break;
      if (p->type() != 3) {
        ADD_FAILURE() << "not a PUBLISH: " << p->type();
        break;
      }
      std::size_t topicLength = static_cast<std::uint8_t>(p->body[0]) << 8 | static_cast<std::uint8_t>(p->body[1]);
      std::string id = p->body.substr(2 + topicLength, 2);
      got.push_back(std::stoi(p->body.substr(4 + topicLength)));
      EXPECT_TRUE(sub.send(C::packet(0x40, id)));
    }
    return got;
  }

  testing_files::TempDirectory temp_;
  std::string dir_;
  std::uint16_t mqttPort_ = 0;
  std::vector<std::unique_ptr<ServerProcess>> servers_;
};

TEST_F(MqttPersistTest, ARestartKeepsAPersistentSessionItsQueueAndItsSubscriptions) {
  ServerProcess& first = run("everysec");
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
  {
    MqttTestClient dev;
    ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev", .clean = false}));
    ASSERT_TRUE(dev.subscribe(1, {{"dev/#", 1}, {"$local/+", 2}}, {1, 2}));
    ASSERT_TRUE(pub.send(C::publishPacket("dev/a", "first", 1, 1)));
    ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 1)));
    auto m = dev.readPublish();  // received, never acknowledged
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "first");
    ASSERT_TRUE(dev.send(C::disconnect()));
    ASSERT_TRUE(dev.expectClosed());
  }
  ASSERT_TRUE(pub.send(C::publishPacket("dev/b", "second", 1, 2)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 2)));
  ASSERT_TRUE(pub.send(C::publishPacket("$local/x", "third", 2, 3)));  // an MQTT-only topic
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(5, 3)));
  ASSERT_TRUE(pub.send(C::ackPacket(6, 3)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(7, 3)));
  ASSERT_TRUE(first.stop());

  run("everysec");
  EXPECT_NE(servers_.back()->log().find("1 persistent MQTT session (3 messages held)"), std::string::npos)
      << servers_.back()->log();
  // Published after the restart, before the client is back: queued by the
  // restored subscription.
  TestClient lc = line();
  ASSERT_TRUE(lc.send("PUB dev.c fourth\n"));
  ASSERT_TRUE(lc.ping());

  MqttTestClient dev;
  ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev", .clean = false}, true));
  std::vector<std::string> got;
  std::vector<MqttPublishIn> received;
  for (int i = 0; i < 4; ++i) {
    auto m = dev.readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->dup, i == 0) << m->payload;  // the un-acked one again, with DUP
    got.push_back(m->topic + " " + m->payload + " " + std::to_string(m->qos));
    received.push_back(*m);
  }
  EXPECT_EQ(got, (std::vector<std::string>{"dev/a first 1", "dev/b second 1", "$local/x third 2", "dev/c fourth 1"}));
  for (const MqttPublishIn& m : received) {
    if (m.qos == 1) {
      ASSERT_TRUE(dev.send(C::ackPacket(4, m.packetId)));
    } else {
      ASSERT_TRUE(dev.send(C::ackPacket(5, m.packetId)));
      ASSERT_TRUE(dev.expectPacket(C::ackPacket(6, m.packetId)));
      ASSERT_TRUE(dev.send(C::ackPacket(7, m.packetId)));
    }
  }
  EXPECT_TRUE(dev.ping());
  EXPECT_TRUE(dev.expectNothing());
  // Unsubscribed and acknowledged: nothing is left for the next start.
  ASSERT_TRUE(dev.send(C::unsubscribePacket(2, {"dev/#", "$local/+"})));
  ASSERT_TRUE(dev.expectPacket(C::ackPacket(11, 2)));
  ASSERT_TRUE(dev.send(C::disconnect()));
  ASSERT_TRUE(dev.expectClosed());
  ASSERT_TRUE(servers_.back()->stop());
  run("everysec");
  EXPECT_NE(servers_.back()->log().find("1 persistent MQTT session (0 messages held)"), std::string::npos)
      << servers_.back()->log();
  TestClient again = line();
  ASSERT_TRUE(again.send("PUB dev.d fifth\n"));
  ASSERT_TRUE(again.ping());
  MqttTestClient back;
  ASSERT_TRUE(back.connect(mqttPort_, {.clientId = "dev", .clean = false}, true));
  EXPECT_TRUE(back.ping());  // no subscription survived the UNSUBSCRIBE
}

TEST_F(MqttPersistTest, AfterAKillNineTheWindowIsResentWithItsIdsAndInboundQos2IdsAreKept) {
  ServerProcess& first = run("always");
  MqttTestClient dev;
  ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev", .clean = false}));
  ASSERT_TRUE(dev.subscribe(1, {{"w/#", 2}}, {2}));
  TestClient lc = line();
  ASSERT_TRUE(lc.send("PUB w.a one\nPUB w.b two\n"));  // QoS 1 from the line protocol
  auto one = dev.readPublish();
  auto two = dev.readPublish();
  ASSERT_TRUE(one && two);
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
  ASSERT_TRUE(pub.send(C::publishPacket("w/c", "three", 2, 9)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(5, 9)));
  auto three = dev.readPublish();
  ASSERT_TRUE(three);
  EXPECT_EQ(three->qos, 2);
  ASSERT_TRUE(dev.send(C::ackPacket(5, three->packetId)));  // PUBREC: now awaiting PUBCOMP
  ASSERT_TRUE(dev.expectPacket(C::ackPacket(6, three->packetId)));
  // The device's own QoS 2 PUBLISH, delivered and awaiting its PUBREL.
  ASSERT_TRUE(dev.send(C::publishPacket("in/q2", "once", 2, 77)));
  ASSERT_TRUE(dev.expectPacket(C::ackPacket(5, 77)));
  ASSERT_TRUE(first.killNine());

  run("always");
  TestClient watcher = line();
  ASSERT_TRUE(subscribe(watcher, {"in.q2"}));
  MqttTestClient again;
  ASSERT_TRUE(again.connect(mqttPort_, {.clientId = "dev", .clean = false}, true));
  auto r1 = again.readPublish();
  auto r2 = again.readPublish();
  ASSERT_TRUE(r1 && r2);
  EXPECT_TRUE(r1->dup && r2->dup);
  EXPECT_EQ(r1->packetId, one->packetId);
  EXPECT_EQ(r1->payload, "one");
  EXPECT_EQ(r2->packetId, two->packetId);
  EXPECT_EQ(r2->payload, "two");
  ASSERT_TRUE(again.expectPacket(C::ackPacket(6, three->packetId)));  // PUBREL again (4.4)
  // The duplicate of the inbound QoS 2 message is not delivered again.
  ASSERT_TRUE(again.send(C::publishPacket("in/q2", "once", 2, 77, true)));
  ASSERT_TRUE(again.expectPacket(C::ackPacket(5, 77)));
  ASSERT_TRUE(again.send(C::ackPacket(6, 77)));
  ASSERT_TRUE(again.expectPacket(C::ackPacket(7, 77)));
  TestClient lp = line();
  ASSERT_TRUE(lp.send("PUB " + std::string(kSentinel) + " end\n"));
  ASSERT_TRUE(watcher.expectLine("MSG " + std::string(kSentinel) + " end"));
}

TEST_F(MqttPersistTest, CleanSessionsLeaveNothingInTheStore) {
  ServerProcess& first = run("always");
  {
    MqttTestClient clean;
    ASSERT_TRUE(clean.connect(mqttPort_, {.clientId = "c"}));
    ASSERT_TRUE(clean.subscribe(1, {{"c/#", 1}}, {1}));
    ASSERT_TRUE(clean.send(C::publishPacket("c/x", "m", 2, 5)));
    auto m = clean.readPublish();  // its own, in flight, never acknowledged
    ASSERT_TRUE(m);
    ASSERT_TRUE(clean.expectPacket(C::ackPacket(5, 5)));
    // A persistent one, then replaced by a clean one: discarded (3.1.2-6).
    MqttTestClient gone;
    ASSERT_TRUE(gone.connect(mqttPort_, {.clientId = "g", .clean = false}));
    ASSERT_TRUE(gone.subscribe(1, {{"c/#", 1}}, {1}));
  }
  MqttTestClient replaced;
  ASSERT_TRUE(replaced.connect(mqttPort_, {.clientId = "g", .clean = true}));
  ASSERT_TRUE(replaced.ping());
  ASSERT_TRUE(first.killNine());

  ServerProcess& second = run("always");
  EXPECT_EQ(second.log().find("MQTT session"), std::string::npos) << second.log();
  MqttTestClient c;
  ASSERT_TRUE(c.connect(mqttPort_, {.clientId = "c", .clean = false}, false));
  MqttTestClient g;
  ASSERT_TRUE(g.connect(mqttPort_, {.clientId = "g", .clean = false}, false));
}

TEST_F(MqttPersistTest, MqttOnlyRetainedMessagesSurviveARestartWithTheirQos) {
  ServerProcess& first = run("always");
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
  ASSERT_TRUE(pub.send(C::publishPacket("$local/r", "v1", 2, 1, false, true)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(5, 1)));
  ASSERT_TRUE(pub.send(C::publishPacket("a b", "v2", 1, 2, false, true)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 2)));
  ASSERT_TRUE(pub.send(C::publishPacket("gone here", "v3", 1, 3, false, true) +
                       C::publishPacket("gone here", "", 1, 4, false, true)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 3)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 4)));
  ASSERT_TRUE(first.killNine());

  run("always");
  EXPECT_NE(servers_.back()->log().find("2 MQTT-only retained messages loaded"), std::string::npos)
      << servers_.back()->log();
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "s"}));
  ASSERT_TRUE(sub.subscribe(1, {{"$local/#", 2}, {"+", 2}, {"gone here", 2}}, {2, 2, 2}));
  std::set<std::string> got;
  for (int i = 0; i < 2; ++i) {
    auto m = sub.readPublish();
    ASSERT_TRUE(m);
    EXPECT_TRUE(m->retain);
    got.insert(m->topic + " " + m->payload + " " + std::to_string(m->qos));
    ASSERT_TRUE(sub.send(C::ackPacket(m->qos == 1 ? 4 : 5, m->packetId)));
  }
  EXPECT_EQ(got, (std::set<std::string>{"$local/r v1 2", "a b v2 1"}));
}

TEST_F(MqttPersistTest, UnderFsyncAlwaysEveryAcknowledgedQos1PublishSurvivesKillNine) {
  ServerProcess& first = run("always");
  offlineSubscriber("d/t");
  auto began = std::chrono::steady_clock::now();
  int acked = publishUntilKilled(first, 10'000, 9'000);  // killed mid-stream
  auto took = std::chrono::steady_clock::now() - began;
  ASSERT_GT(acked, 0);

  run("always");
  std::vector<int> got = drainSubscriber();
  // In order, none twice (nothing was sent before the restart, so no DUP),
  // every acknowledged one present; a few processed but not yet
  // acknowledged may follow.
  ASSERT_GE(got.size(), static_cast<std::size_t>(acked));
  for (std::size_t i = 0; i < got.size(); ++i) ASSERT_EQ(got[i], static_cast<int>(i)) << i;
  std::cout << "[ measured ] --fsync always, kill -9: " << acked << " QoS 1 PUBLISHes acknowledged in "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms, " << got.size()
            << " delivered after the restart, 0 acknowledged lost\n";
}

// Not a timing assertion: the acknowledged messages a kill -9 lost under
// everysec are counted and printed.
TEST_F(MqttPersistTest, UnderFsyncEverySecAKillNineMidStreamIsMeasured) {
  ServerProcess& first = run("everysec");
  offlineSubscriber("d/t");
  // What is measured is the stream's loss, so the subscriber's session must
  // be on the disk before it starts: under everysec it is within a second
  // of the SUBSCRIBE, and a stream killed sooner lost the session itself
  // (the reconnect found none).
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));
  auto began = std::chrono::steady_clock::now();
  int acked = publishUntilKilled(first, 10'000, 5'000);
  auto took = std::chrono::steady_clock::now() - began;

  run("everysec");
  std::vector<int> got = drainSubscriber();
  std::set<int> found(got.begin(), got.end());
  EXPECT_EQ(found.size(), got.size());  // none twice
  for (std::size_t i = 1; i < got.size(); ++i) EXPECT_LT(got[i - 1], got[i]);  // in order
  int lost = 0;
  for (int i = 0; i < acked; ++i) lost += found.count(i) == 0 ? 1 : 0;
  std::cout << "[ measured ] --fsync everysec, kill -9: " << lost << " of " << acked
            << " acknowledged QoS 1 PUBLISHes lost (acknowledged over "
            << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms); " << got.size()
            << " delivered after the restart\n";
  RecordProperty("everysec_acknowledged_lost", lost);
}

}  // namespace
}  // namespace linecast::test
