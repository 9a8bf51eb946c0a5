// MQTT sessions and the rest of the broker (docs/PROTOCOL.md, "MQTT
// 3.1.1"): persistent sessions with offline queueing and DUP redelivery,
// --mqtt-max-queued, take-over, wills, retained messages, the one channel
// space with the line protocol and HTTP, and authentication.

#include "mqtt_fixture.h"
#include "../temp_file.h"

namespace linecast::test {
namespace {

using C = MqttTestClient;

TEST_F(MqttTest, PersistentSessionQueuesWhileOfflineAndResendsWithDup) {
  {
    MqttTestClient dev;
    ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev1", .clean = false}));
    ASSERT_TRUE(dev.subscribe(1, {{"dev/#", 1}}, {1}));
    TestClient line = connect();
    ASSERT_TRUE(line.send("PUB dev.a first\n"));
    ASSERT_TRUE(line.ping());
    auto m = dev.readPublish();  // received, never acknowledged
    ASSERT_TRUE(m);
    EXPECT_EQ(m->payload, "first");
    ASSERT_TRUE(dev.send(C::disconnect()));
    ASSERT_TRUE(dev.expectClosed());
  }
  TestClient line = connect();
  ASSERT_TRUE(line.send("PUB dev.b second\n"));
  ASSERT_TRUE(line.ping());
  EXPECT_EQ(httpPublish("dev.c", "third"), 200);

  MqttTestClient dev;
  ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev1", .clean = false}, true));
  std::vector<std::string> got;
  for (int i = 0; i < 3; ++i) {
    auto m = dev.readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->qos, 1);
    EXPECT_EQ(m->dup, i == 0) << m->payload;  // the un-acked one again, with DUP
    got.push_back(m->topic + " " + m->payload);
    ASSERT_TRUE(dev.send(C::ackPacket(4, m->packetId)));
  }
  EXPECT_EQ(got, (std::vector<std::string>{"dev/a first", "dev/b second", "dev/c third"}));
  EXPECT_TRUE(dev.ping());
  EXPECT_TRUE(dev.expectNothing());
}

TEST_F(MqttTest, CleanSessionDiscardsTheOldOne) {
  {
    MqttTestClient dev;
    ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "dev2", .clean = false}));
    ASSERT_TRUE(dev.subscribe(1, {{"d2", 1}}, {1}));
  }
  MqttTestClient again;
  ASSERT_TRUE(again.connect(mqttPort_, {.clientId = "dev2", .clean = true}, false));
  ASSERT_TRUE(again.send(C::publishPacket("d2", "x")));
  EXPECT_TRUE(again.ping());
  EXPECT_TRUE(again.expectNothing());
}

class MqttQueueTest : public MqttTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--mqtt-max-queued", "2"}; }
};

TEST_F(MqttQueueTest, OverflowDropsTheOldest) {
  {
    MqttTestClient dev;
    ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "q", .clean = false}));
    ASSERT_TRUE(dev.subscribe(1, {{"q", 1}}, {1}));
    ASSERT_TRUE(dev.send(C::disconnect()));
    ASSERT_TRUE(dev.expectClosed());
  }
  TestClient line = connect();
  ASSERT_TRUE(line.send("PUB q 1\nPUB q 2\nPUB q 3\n"));
  ASSERT_TRUE(line.ping());
  EXPECT_EQ(metric("linecast_mqtt_queued_messages"), 2);
  EXPECT_EQ(metric("linecast_mqtt_dropped_total"), 1);
  MqttTestClient dev;
  ASSERT_TRUE(dev.connect(mqttPort_, {.clientId = "q", .clean = false}, true));
  auto a = dev.readPublish();
  auto b = dev.readPublish();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->payload + b->payload, "23");
}

TEST_F(MqttTest, TakeOverClosesTheFirstConnection) {
  MqttTestClient first;
  ASSERT_TRUE(first.connect(mqttPort_, {.clientId = "same", .clean = false}));
  ASSERT_TRUE(first.subscribe(1, {{"t/o", 1}}, {1}));
  MqttTestClient second;
  ASSERT_TRUE(second.connect(mqttPort_, {.clientId = "same", .clean = false}, true));
  EXPECT_TRUE(first.expectClosed());
  // The subscription is the session's: the second connection has it. (The
  // server delivers onward before it acknowledges.)
  ASSERT_TRUE(second.send(C::publishPacket("t/o", "to the second", 0)));
  auto m = second.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, "to the second");
}

TEST_F(MqttTest, WillOnKeepAliveExpiryNotAfterDisconnect) {
  MqttTestClient watcher;
  ASSERT_TRUE(watcher.connect(mqttPort_, {.clientId = "watcher"}));
  ASSERT_TRUE(watcher.subscribe(1, {{"wills/#", 1}}, {1}));
  TestClient line = connect();
  ASSERT_TRUE(line.send("SUB wills.>\n"));
  ASSERT_TRUE(line.ping());

  MqttTestClient polite;
  ASSERT_TRUE(polite.connect(mqttPort_, {.clientId = "polite", .keepAlive = 1,
                                         .will = MqttWillOptions{"wills/polite", "gone", 1, false}}));
  ASSERT_TRUE(polite.send(C::disconnect()));
  EXPECT_TRUE(polite.expectClosed());

  MqttTestClient silent;
  ASSERT_TRUE(silent.connect(mqttPort_, {.clientId = "silent", .keepAlive = 1,
                                         .will = MqttWillOptions{"wills/silent", "lost", 1, false}}));
  // 1.5 x 1 s without a packet: closed, and the will goes out.
  EXPECT_TRUE(silent.expectClosed(milliseconds(4000)));
  auto m = watcher.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topic, "wills/silent");
  EXPECT_EQ(m->payload, "lost");
  EXPECT_EQ(m->qos, 1);
  EXPECT_TRUE(line.expectLine("MSG wills.silent lost"));
}

TEST_F(MqttTest, RetainedOnSubscribeAndEmptyClears) {
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "rp"}));
  ASSERT_TRUE(pub.send(C::publishPacket("room1/tv/volume", "42", 1, 1, false, true)));
  ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, 1)));
  ASSERT_TRUE(pub.send(C::publishPacket("a b/c", "mqtt only", 0, 0, false, true)));
  ASSERT_TRUE(pub.ping());
  // The other protocols see the channel's retained message.
  TestClient line = connect();
  ASSERT_TRUE(line.send("SUB room1.>\n"));
  EXPECT_TRUE(line.expectLine("MSG room1.tv.volume 42"));

  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "rs"}));
  ASSERT_TRUE(sub.subscribe(1, {{"room1/#", 2}, {"a b/+", 0}}, {2, 0}));
  auto r = sub.readPublish();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->topic, "room1/tv/volume");
  EXPECT_TRUE(r->retain);
  EXPECT_EQ(r->qos, 1);  // min(granted, 1)
  ASSERT_TRUE(sub.send(C::ackPacket(4, r->packetId)));
  auto local = sub.readPublish();
  ASSERT_TRUE(local);
  EXPECT_EQ(local->topic, "a b/c");
  EXPECT_TRUE(local->retain);

  // A live delivery has RETAIN=0; an empty retained payload is delivered
  // and clears.
  ASSERT_TRUE(pub.send(C::publishPacket("room1/tv/volume", "", 0, 0, false, true)));
  auto cleared = sub.readPublish();
  ASSERT_TRUE(cleared);
  EXPECT_FALSE(cleared->retain);
  EXPECT_EQ(cleared->payload, "");
  MqttTestClient late;
  ASSERT_TRUE(late.connect(mqttPort_, {.clientId = "late"}));
  ASSERT_TRUE(late.subscribe(1, {{"room1/#", 1}}, {1}));
  EXPECT_TRUE(late.ping());
  EXPECT_TRUE(late.expectNothing());
}

TEST_F(MqttTest, OneChannelSpaceWithLineAndHttp) {
  TestClient line = connect();
  ASSERT_TRUE(subscribe(line, {"room1.>", ">"}));
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "cs"}));
  ASSERT_TRUE(sub.subscribe(1, {{"a/#", 0}, {"from/+", 0}, {"x y/#", 0}}, {0, 0, 0}));
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "cp"}));
  ASSERT_TRUE(pub.send(C::publishPacket("room1/tv/volume", "7")));
  // An MQTT-only topic reaches MQTT alone; a payload with '\n' too.
  ASSERT_TRUE(pub.send(C::publishPacket("x y/z", "spaces")));
  ASSERT_TRUE(pub.send(C::publishPacket("a", "two\nlines")));
  ASSERT_TRUE(pub.ping());
  TestClient linePub = connect();
  EXPECT_TRUE(expectOnly(line, linePub, "PUB from.line 1\n", {"MSG room1.tv.volume 7", "MSG from.line 1"}));
  EXPECT_EQ(httpPublish("from.http", "2"), 200);

  auto onlyTopic = sub.readPublish();
  ASSERT_TRUE(onlyTopic);
  EXPECT_EQ(onlyTopic->topic, "x y/z");
  auto parent = sub.readPublish();  // "a/#" matches "a"
  ASSERT_TRUE(parent);
  EXPECT_EQ(parent->topic, "a");
  EXPECT_EQ(parent->payload, "two\nlines");
  auto fromLine = sub.readPublish();
  ASSERT_TRUE(fromLine);
  EXPECT_EQ(fromLine->topic + " " + fromLine->payload, "from/line 1");
  auto fromHttp = sub.readPublish();
  ASSERT_TRUE(fromHttp);
  EXPECT_EQ(fromHttp->topic + " " + fromHttp->payload, "from/http 2");
  EXPECT_GE(metric("linecast_messages_undeliverable_total"), 1);
}

TEST_F(MqttTest, LinePublishersOnAnyConnectionReachMqtt) {
  // Several line publishers land on several threads (when the server runs
  // them); the MQTT subscriber on thread 0 gets every message.
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "thr"}));
  ASSERT_TRUE(sub.subscribe(1, {{"thr/+", 1}}, {1}));
  for (int i = 0; i < 4; ++i) {
    TestClient line = connect();
    ASSERT_TRUE(line.send("PUB thr." + std::to_string(i) + " m\n"));
    ASSERT_TRUE(line.ping());
    auto m = sub.readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->topic, "thr/" + std::to_string(i));
    ASSERT_TRUE(sub.send(C::ackPacket(4, m->packetId)));
  }
}

class MqttThreadsTest : public MqttTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--threads", "3"}; }
};

TEST_F(MqttThreadsTest, LinePublishersOnOtherThreadsReachMqtt) {
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "thr"}));
  ASSERT_TRUE(sub.subscribe(1, {{"thr/#", 0}}, {0}));
  std::vector<TestClient> lines;
  for (int i = 0; i < 3; ++i) lines.push_back(connect());  // one per thread, in turn
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(lines[i].send("PUB thr.x " + std::to_string(i) + "\n"));
    ASSERT_TRUE(lines[i].ping());
    auto m = sub.readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->payload, std::to_string(i));
  }
  // And MQTT's publishes reach line subscribers on every thread.
  for (auto& line : lines) {
    ASSERT_TRUE(line.send("SUB thr.back\n"));
    ASSERT_TRUE(line.ping());
  }
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "thrp"}));
  ASSERT_TRUE(pub.send(C::publishPacket("thr/back", "hi")));
  for (auto& line : lines) EXPECT_TRUE(line.expectLine("MSG thr.back hi"));
}

TEST_F(MqttTest, ClientListAndGauges) {
  MqttTestClient c;
  ASSERT_TRUE(c.connect(mqttPort_, {.clientId = "lister"}));
  ASSERT_TRUE(c.subscribe(1, {{"a/b", 0}, {"c/#", 1}}, {0, 1}));
  TestClient redis = connect();
  ASSERT_TRUE(redis.send(respCommand({"CLIENT", "LIST"})));
  auto head = redis.readLine();
  ASSERT_TRUE(head);
  auto body = redis.readBytes(std::stoul(head->substr(1)) + 2);
  ASSERT_TRUE(body);
  EXPECT_NE(body->find("name=lister"), std::string::npos) << *body;
  EXPECT_NE(body->find("sub=2"), std::string::npos) << *body;
  EXPECT_NE(body->find("protocol=mqtt"), std::string::npos) << *body;
  EXPECT_EQ(metric("linecast_mqtt_sessions"), 1);
  EXPECT_EQ(metric("linecast_connections{protocol=\"mqtt\"}"), 1);
}

class MqttTokenTest : public MqttTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--auth-token", "s3cret"}; }
};

TEST_F(MqttTokenTest, ConnackRefusalsAndTheToken) {
  MqttTestClient none;
  EXPECT_TRUE(none.connect(mqttPort_, {.clientId = "n"}, false, 5));
  EXPECT_TRUE(none.expectClosed());
  MqttTestClient wrong;
  EXPECT_TRUE(wrong.connect(mqttPort_, {.clientId = "w", .user = "token", .password = "nope"}, false, 4));
  EXPECT_TRUE(wrong.expectClosed());
  MqttTestClient right;
  EXPECT_TRUE(right.connect(mqttPort_, {.clientId = "r", .user = "token", .password = "s3cret"}));
  EXPECT_TRUE(right.ping());
}

constexpr const char* kUsers = R"(
[[user]]
name = "backend"
password = "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$Uqw6Pj7jXjhmvxcpJUujVf8Su9YA2o23HvxWt9RNuYI="
publish = [">"]
subscribe = [">"]

[[user]]
name = "tv"
password = "pbkdf2-sha256$1000$MDEyMzQ1Njc4OWFiY2RlZg==$BPbrCtILI1GA2dmf0QAI8fE9nhtbZVdPR9Qn/dmvpHY="
publish = ["room1.tv.>"]
subscribe = ["room1.>"]
deny_subscribe = ["room1.admin.>"]
)";

class MqttUsersTest : public MqttTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--users", users_.path()}; }
  testing_files::TempFile users_{kUsers};
};

TEST_F(MqttUsersTest, UsersPermissionsAndRefusals) {
  MqttTestClient bad;
  EXPECT_TRUE(bad.connect(mqttPort_, {.clientId = "b", .user = "tv", .password = "wrong"}, false, 4));
  EXPECT_TRUE(bad.expectClosed());
  MqttTestClient anonymous;
  EXPECT_TRUE(anonymous.connect(mqttPort_, {.clientId = "a"}, false, 5));

  MqttTestClient tv;
  ASSERT_TRUE(tv.connect(mqttPort_, {.clientId = "tv", .user = "tv", .password = "tv-pw"}));
  ASSERT_TRUE(tv.subscribe(1, {{"room1/#", 1}, {"#", 1}, {"room2/x", 0}}, {1, 0x80, 0x80}));
  MqttTestClient backend;
  ASSERT_TRUE(backend.connect(mqttPort_, {.clientId = "be", .user = "backend", .password = "backend-pw"}));
  // Denied by deny_subscribe, then "room1" itself (outside room1.>), then allowed.
  ASSERT_TRUE(backend.send(C::publishPacket("room1/admin/reboot", "no")));
  ASSERT_TRUE(backend.send(C::publishPacket("room1", "no")));
  ASSERT_TRUE(backend.send(C::publishPacket("room1/tv/volume", "yes")));
  auto m = tv.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topic + " " + m->payload, "room1/tv/volume yes");
  // A publish it may not make is dropped but still acknowledged.
  ASSERT_TRUE(tv.send(C::publishPacket("room1/other", "dropped", 1, 5)));
  EXPECT_TRUE(tv.expectPacket(C::ackPacket(4, 5)));
  EXPECT_TRUE(tv.ping());
  EXPECT_TRUE(tv.expectNothing());
}

// A persistent session's deliveries while it is offline are checked
// against the permissions of the user it last connected as (the state
// keeps them when its connection goes: docs/notes-mqtt-compact.md).
TEST_F(MqttUsersTest, AnOfflineSessionKeepsItsUsersPermissions) {
  {
    MqttTestClient tv;
    ASSERT_TRUE(tv.connect(mqttPort_, {.clientId = "tv-away", .clean = false, .user = "tv", .password = "tv-pw"}));
    ASSERT_TRUE(tv.subscribe(1, {{"room1/#", 1}}, {1}));
    ASSERT_TRUE(tv.send(C::disconnect()));
    ASSERT_TRUE(tv.expectClosed());
  }
  MqttTestClient backend;
  ASSERT_TRUE(backend.connect(mqttPort_, {.clientId = "be", .user = "backend", .password = "backend-pw"}));
  ASSERT_TRUE(backend.send(C::publishPacket("room1/admin/reboot", "denied", 1, 1)));
  EXPECT_TRUE(backend.expectPacket(C::ackPacket(4, 1)));
  ASSERT_TRUE(backend.send(C::publishPacket("room1/tv/volume", "allowed", 1, 2)));
  EXPECT_TRUE(backend.expectPacket(C::ackPacket(4, 2)));
  MqttTestClient tv;
  ASSERT_TRUE(tv.connect(mqttPort_, {.clientId = "tv-away", .clean = false, .user = "tv", .password = "tv-pw"}, true));
  auto m = tv.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topic + " " + m->payload, "room1/tv/volume allowed");
  ASSERT_TRUE(tv.send(C::ackPacket(4, m->packetId)));
  EXPECT_TRUE(tv.ping());
  EXPECT_TRUE(tv.expectNothing());
}

}  // namespace
}  // namespace linecast::test
