// MQTT 3.1.1 on --mqtt-port (docs/PROTOCOL.md, "MQTT 3.1.1"): CONNECT and
// its refusals, every malformed case closing the connection, QoS 0/1/2 in
// both directions with their exact acknowledgements, through a raw-packet
// client (mqtt_test_client.h). Sessions, retained messages, wills and the
// other protocols: mqtt_session_test.cc.

#include "mqtt_fixture.h"

namespace linecast::test {
namespace {

using C = MqttTestClient;

TEST_F(MqttTest, ConnectPingDisconnect) {
  MqttTestClient c;
  ASSERT_TRUE(c.connect(mqttPort_, {.clientId = "c1"}));
  EXPECT_TRUE(c.ping());
  ASSERT_TRUE(c.send(C::disconnect()));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(MqttTest, EmptyClientIdIsAssignedOnlyWithCleanSession) {
  MqttTestClient clean;
  EXPECT_TRUE(clean.connect(mqttPort_, {.clientId = ""}));
  EXPECT_TRUE(clean.ping());
  MqttTestClient persistent;
  EXPECT_TRUE(persistent.connect(mqttPort_, {.clientId = "", .clean = false}, false, 2));
  EXPECT_TRUE(persistent.expectClosed());
}

TEST_F(MqttTest, ProtocolLevel5GetsConnack1AndClose) {
  MqttTestClient c;
  EXPECT_TRUE(c.connect(mqttPort_, {.clientId = "c", .level = 5}, false, 1));
  EXPECT_TRUE(c.expectClosed());
  MqttTestClient v31;  // MQTT 3.1
  EXPECT_TRUE(v31.connect(mqttPort_, {.clientId = "c", .protocolName = "MQIsdp", .level = 3}, false, 1));
  EXPECT_TRUE(v31.expectClosed());
}

// Each of these closes the connection without an answer (4.8).
TEST_F(MqttTest, MalformedPacketsClose) {
  std::string connect = C::connectPacket({.clientId = "m"});
  std::string connack = C::connackPacket(false, 0);
  struct Case {
    const char* name;
    std::string bytes;
    bool afterConnect;
  };
  std::vector<Case> cases = {
      {"bad protocol name", C::connectPacket({.clientId = "m", .protocolName = "MQTX"}), false},
      {"packet before CONNECT", C::pingreq(), false},
      {"second CONNECT", connect, true},
      {"remaining length over the limit", std::string("\x30", 1) + C::remainingLength(1024 + 65536 + 10), true},
      {"5-byte remaining length", std::string("\x30\xFF\xFF\xFF\xFF\x01", 6), true},
      {"reserved flags of SUBSCRIBE", C::packet(0x80, std::string("\x00\x01\x00\x01" "a\x00", 6)), true},
      {"PUBLISH QoS 3", C::packet(0x36, std::string("\x00\x01" "a\x00\x01x", 6)), true},
      {"SUBSCRIBE without topics", C::packet(0x82, std::string("\x00\x01", 2)), true},
      {"reserved flags of PINGREQ", std::string("\xC1\x00", 2), true},
      {"server-only packet", C::connackPacket(false, 0), true},
  };
  for (const Case& c : cases) {
    MqttTestClient client;
    ASSERT_TRUE(client.open(mqttPort_)) << c.name;
    if (c.afterConnect) {
      ASSERT_TRUE(client.send(connect)) << c.name;
      ASSERT_TRUE(client.expectPacket(connack)) << c.name;
    }
    ASSERT_TRUE(client.send(c.bytes)) << c.name;
    EXPECT_TRUE(client.expectClosed()) << c.name;
  }
}

TEST_F(MqttTest, PayloadOverMaxLineCloses) {
  MqttTestClient c;
  ASSERT_TRUE(c.connect(mqttPort_, {.clientId = "big"}));
  ASSERT_TRUE(c.send(C::publishPacket("t", std::string(1025, 'x'))));
  EXPECT_TRUE(c.expectClosed());
}

TEST_F(MqttTest, Qos0And1BothWays) {
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "sub"}));
  ASSERT_TRUE(sub.subscribe(1, {{"room1/+/volume", 1}, {"room1/tv/#", 0}}, {1, 0}));
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
  ASSERT_TRUE(pub.send(C::publishPacket("room1/tv/volume", "q0")));
  ASSERT_TRUE(pub.send(C::publishPacket("room1/tv/volume", "q1", 1, 7)));
  EXPECT_TRUE(pub.expectPacket(C::ackPacket(4, 7)));  // PUBACK
  // Once per session, at the highest QoS its matching filters granted.
  auto m0 = sub.readPublish();
  ASSERT_TRUE(m0);
  EXPECT_EQ(m0->topic, "room1/tv/volume");
  EXPECT_EQ(m0->payload, "q0");
  EXPECT_EQ(m0->qos, 0);
  EXPECT_FALSE(m0->retain);
  auto m1 = sub.readPublish();
  ASSERT_TRUE(m1);
  EXPECT_EQ(m1->payload, "q1");
  EXPECT_EQ(m1->qos, 1);
  EXPECT_FALSE(m1->dup);
  ASSERT_TRUE(sub.send(C::ackPacket(4, m1->packetId)));
  EXPECT_TRUE(sub.ping());
  EXPECT_TRUE(sub.expectNothing());
}

TEST_F(MqttTest, Qos2BothWaysAndDowngrade) {
  MqttTestClient sub2;
  ASSERT_TRUE(sub2.connect(mqttPort_, {.clientId = "sub2"}));
  ASSERT_TRUE(sub2.subscribe(1, {{"q/2", 2}}, {2}));
  MqttTestClient sub1;
  ASSERT_TRUE(sub1.connect(mqttPort_, {.clientId = "sub1"}));
  ASSERT_TRUE(sub1.subscribe(1, {{"q/2", 1}}, {1}));
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "pub"}));
  ASSERT_TRUE(pub.send(C::publishPacket("q/2", "exactly once", 2, 9)));
  EXPECT_TRUE(pub.expectPacket(C::ackPacket(5, 9)));  // PUBREC
  // The same id again before PUBREL: acknowledged, not delivered again.
  ASSERT_TRUE(pub.send(C::publishPacket("q/2", "exactly once", 2, 9, true)));
  EXPECT_TRUE(pub.expectPacket(C::ackPacket(5, 9)));
  ASSERT_TRUE(pub.send(C::ackPacket(6, 9)));          // PUBREL
  EXPECT_TRUE(pub.expectPacket(C::ackPacket(7, 9)));  // PUBCOMP

  auto m = sub2.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->qos, 2);
  EXPECT_EQ(m->payload, "exactly once");
  ASSERT_TRUE(sub2.send(C::ackPacket(5, m->packetId)));  // PUBREC
  EXPECT_TRUE(sub2.expectPacket(C::ackPacket(6, m->packetId)));  // PUBREL
  ASSERT_TRUE(sub2.send(C::ackPacket(7, m->packetId)));  // PUBCOMP
  EXPECT_TRUE(sub2.ping());
  EXPECT_TRUE(sub2.expectNothing());

  auto d = sub1.readPublish();
  ASSERT_TRUE(d);
  EXPECT_EQ(d->qos, 1);  // min(granted 1, message 2)
  ASSERT_TRUE(sub1.send(C::ackPacket(4, d->packetId)));
  EXPECT_TRUE(sub1.ping());
  EXPECT_TRUE(sub1.expectNothing());
}

TEST_F(MqttTest, UnsubscribeStopsDelivery) {
  MqttTestClient c;
  ASSERT_TRUE(c.connect(mqttPort_, {.clientId = "u"}));
  ASSERT_TRUE(c.subscribe(3, {{"u/x", 0}}, {0}));
  ASSERT_TRUE(c.send(C::unsubscribePacket(4, {"u/x", "never/held"})));
  EXPECT_TRUE(c.expectPacket(C::ackPacket(11, 4)));  // UNSUBACK
  ASSERT_TRUE(c.send(C::publishPacket("u/x", "gone")));
  EXPECT_TRUE(c.ping());
  EXPECT_TRUE(c.expectNothing());
}

TEST_F(MqttTest, InflightWindowHoldsTheRestUntilAcked) {
  MqttTestClient sub;
  ASSERT_TRUE(sub.connect(mqttPort_, {.clientId = "w"}));
  ASSERT_TRUE(sub.subscribe(1, {{"w", 1}}, {1}));
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "wp"}));
  for (int i = 0; i < 3; ++i) {
    auto id = static_cast<std::uint16_t>(i + 1);
    ASSERT_TRUE(pub.send(C::publishPacket("w", std::to_string(i), 1, id)));
    ASSERT_TRUE(pub.expectPacket(C::ackPacket(4, id)));
  }
  // --mqtt-max-inflight 2: the third waits for an acknowledgement.
  auto a = sub.readPublish();
  auto b = sub.readPublish();
  ASSERT_TRUE(a && b);
  EXPECT_EQ(a->payload + b->payload, "01");
  EXPECT_TRUE(sub.expectNothing());
  ASSERT_TRUE(sub.send(C::ackPacket(4, a->packetId)));
  auto c = sub.readPublish();
  ASSERT_TRUE(c);
  EXPECT_EQ(c->payload, "2");
}

}  // namespace
}  // namespace linecast::test
