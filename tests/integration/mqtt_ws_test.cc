// MQTT over WebSocket (docs/PROTOCOL.md, "WebSocket, Server-Sent Events,
// console page"): GET /mqtt with subprotocol mqtt on the HTTP port, MQTT
// 3.1.1 section 6's framing (binary frames only, packets and frames cut
// independently), the refusals, and the channel space it shares with TCP
// MQTT, the line protocol and HTTP. With several threads the connection
// moves to thread 0 (MqttWsThreadsTest), under epoll and io_uring.
#include "mqtt_fixture.h"
#include "ws_test_client.h"

namespace linecast::test {
namespace {

using C = MqttTestClient;

// An MQTT client over a raw WebSocket: packets go out in binary frames as
// the test cuts them; incoming binary payloads are one byte stream, cut
// into packets here (a frame may hold part of one, or several).
class MqttWsClient {
 public:
  // The upgrade and its answer (no check of the status).
  std::optional<HttpResponse> request(std::uint16_t httpPort, std::string_view protocolHeader) {
    if (!ws_.open(httpPort)) return std::nullopt;
    WsUpgradeRequest r = WsUpgradeRequest().target("/mqtt");
    if (!protocolHeader.empty()) r.header(protocolHeader);
    if (!ws_.sendRaw(r.text())) return std::nullopt;
    return ws_.readResponse();
  }
  // The upgrade must be switched with subprotocol mqtt.
  ::testing::AssertionResult open(std::uint16_t httpPort) {
    auto r = request(httpPort, "Sec-WebSocket-Protocol: mqtt");
    if (!r) return ::testing::AssertionFailure() << "no answer to the upgrade";
    if (r->status != 101) return ::testing::AssertionFailure() << "status " << r->status << ": " << r->body;
    if (!r->hasHeader("Sec-WebSocket-Protocol: mqtt")) {
      return ::testing::AssertionFailure() << "no subprotocol in\n" << r->headers;
    }
    std::string accept = "Sec-WebSocket-Accept: " + WsTestClient::acceptFor(WsUpgradeRequest().key_);
    if (!r->hasHeader(accept)) return ::testing::AssertionFailure() << "wrong accept in\n" << r->headers;
    return ::testing::AssertionSuccess();
  }
  ::testing::AssertionResult connect(std::uint16_t httpPort, const MqttConnectOptions& options) {
    auto opened = open(httpPort);
    if (!opened) return opened;
    auto sent = send(C::connectPacket(options));
    if (!sent) return sent;
    return expectPacket(C::connackPacket(false, 0));
  }
  ::testing::AssertionResult send(std::string_view packets) { return ws_.sendBinary(packets); }

  std::optional<MqttPacketIn> readPacket(milliseconds timeout = kDefaultTimeout) {
    for (;;) {
      if (auto p = takePacket()) return p;
      auto f = ws_.readFrame(timeout);
      if (!f) return std::nullopt;
      if (f->opcode != ws_op::kBinary && f->opcode != ws_op::kContinuation) {
        ADD_FAILURE() << "expected a binary frame, got " << f->describe();
        return std::nullopt;
      }
      stream_ += f->payload;
    }
  }
  ::testing::AssertionResult expectPacket(std::string_view bytes, milliseconds timeout = kDefaultTimeout) {
    auto p = readPacket(timeout);
    if (!p) return ::testing::AssertionFailure() << "no packet; expected " << escapeBytes(bytes);
    if (p->bytes() != bytes) {
      return ::testing::AssertionFailure() << "expected " << escapeBytes(bytes) << "\n     got " << escapeBytes(p->bytes());
    }
    return ::testing::AssertionSuccess();
  }
  std::optional<MqttPublishIn> readPublish(milliseconds timeout = kDefaultTimeout) {
    auto p = readPacket(timeout);
    if (!p || p->type() != 3) {
      ADD_FAILURE() << "expected a PUBLISH, got " << (p ? escapeBytes(p->bytes()) : "nothing");
      return std::nullopt;
    }
    MqttPublishIn m;
    m.qos = (p->header >> 1) & 3;
    std::size_t topicLength = (static_cast<std::uint8_t>(p->body[0]) << 8) | static_cast<std::uint8_t>(p->body[1]);
    m.topic = p->body.substr(2, topicLength);
    std::size_t at = 2 + topicLength;
    if (m.qos > 0) {
      m.packetId = static_cast<std::uint16_t>((static_cast<std::uint8_t>(p->body[at]) << 8) |
                                              static_cast<std::uint8_t>(p->body[at + 1]));
      at += 2;
    }
    m.payload = p->body.substr(at);
    return m;
  }
  ::testing::AssertionResult ping() {
    auto sent = send(C::pingreq());
    if (!sent) return sent;
    return expectPacket(std::string("\xD0\x00", 2));
  }
  WsTestClient& ws() { return ws_; }

 private:
  std::optional<MqttPacketIn> takePacket() {
    if (stream_.size() < 2) return std::nullopt;
    std::size_t length = 0;
    std::size_t multiplier = 1;
    std::size_t at = 1;
    for (;; ++at) {
      if (at >= stream_.size() || at > 4) return std::nullopt;
      auto d = static_cast<std::uint8_t>(stream_[at]);
      length += (d & 0x7F) * multiplier;
      multiplier *= 128;
      if ((d & 0x80) == 0) break;
    }
    if (stream_.size() < at + 1 + length) return std::nullopt;
    MqttPacketIn p;
    p.header = static_cast<std::uint8_t>(stream_[0]);
    p.body = stream_.substr(at + 1, length);
    stream_.erase(0, at + 1 + length);
    return p;
  }

  WsTestClient ws_;
  std::string stream_;  // binary payload bytes not yet cut into packets
};

class MqttWsTest : public MqttTest {};

TEST_F(MqttWsTest, SubscribePublishQos0And1) {
  MqttWsClient c;
  ASSERT_TRUE(c.connect(httpPort_, {.clientId = "ws1"}));
  ASSERT_TRUE(c.send(C::subscribePacket(1, {{"a/#", 1}})));
  ASSERT_TRUE(c.expectPacket(C::subackPacket(1, {1})));
  ASSERT_TRUE(c.send(C::publishPacket("a/zero", "q0")));
  auto m0 = c.readPublish();
  ASSERT_TRUE(m0);
  EXPECT_EQ(m0->topic + " " + m0->payload, "a/zero q0");
  EXPECT_EQ(m0->qos, 0);
  ASSERT_TRUE(c.send(C::publishPacket("a/one", "q1", 1, 7)));
  // The PUBACK and the delivery, in either order.
  bool acked = false;
  std::optional<MqttPublishIn> m1;
  for (int i = 0; i < 2; ++i) {
    auto p = c.readPacket();
    ASSERT_TRUE(p);
    if (p->type() == 4) {
      EXPECT_EQ(p->bytes(), C::ackPacket(4, 7));
      acked = true;
    } else {
      ASSERT_EQ(p->type(), 3) << escapeBytes(p->bytes());
      m1 = MqttPublishIn{};
      m1->qos = (p->header >> 1) & 3;
      m1->packetId = static_cast<std::uint16_t>((static_cast<std::uint8_t>(p->body[7]) << 8) |
                                                static_cast<std::uint8_t>(p->body[8]));
      m1->payload = p->body.substr(9);
    }
  }
  EXPECT_TRUE(acked);
  ASSERT_TRUE(m1);
  EXPECT_EQ(m1->qos, 1);
  EXPECT_EQ(m1->payload, "q1");
  ASSERT_TRUE(c.send(C::ackPacket(4, m1->packetId)));
  EXPECT_TRUE(c.ping());
  // DISCONNECT: the server closes with a close frame, then TCP.
  ASSERT_TRUE(c.send(C::disconnect()));
  EXPECT_TRUE(c.ws().expectClose(1000));
}

TEST_F(MqttWsTest, PacketsAndFramesAreCutIndependently) {
  MqttWsClient c;
  ASSERT_TRUE(c.open(httpPort_));
  // CONNECT across a fragmented message (binary + continuation), cut
  // inside its remaining length.
  std::string connect = C::connectPacket({.clientId = "split"});
  ASSERT_TRUE(c.ws().sendFrame(ws_op::kBinary, connect.substr(0, 1), {.fin = false}));
  ASSERT_TRUE(c.ws().sendFrame(ws_op::kContinuation, connect.substr(1, 5), {.fin = false}));
  ASSERT_TRUE(c.ws().sendFrame(ws_op::kContinuation, connect.substr(6)));
  ASSERT_TRUE(c.expectPacket(C::connackPacket(false, 0)));
  // A SUBSCRIBE across two messages, then two packets in one frame, with a
  // ping between the frames (answered, the stream untouched).
  std::string subscribe = C::subscribePacket(2, {{"s/+", 0}});
  ASSERT_TRUE(c.send(subscribe.substr(0, 4)));
  ASSERT_TRUE(c.ws().sendFrame(ws_op::kPing, "hi"));
  auto pong = c.ws().readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws_op::kPong) << pong->describe();
  EXPECT_EQ(pong->payload, "hi");
  ASSERT_TRUE(c.send(subscribe.substr(4) + C::publishPacket("s/t", "both") + C::pingreq()));
  ASSERT_TRUE(c.expectPacket(C::subackPacket(2, {0})));
  auto m = c.readPublish();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->topic + " " + m->payload, "s/t both");
  EXPECT_TRUE(c.expectPacket(std::string("\xD0\x00", 2)));
  // The client's close is answered with its code.
  ASSERT_TRUE(c.ws().sendClose(1000));
  EXPECT_TRUE(c.ws().expectClose(1000));
}

TEST_F(MqttWsTest, TextFrameAndBrokenFramesClose) {
  struct Case {
    const char* name;
    std::string frame;
    std::uint16_t code;
  };
  std::vector<Case> cases = {
      {"text frame", WsTestClient::encodeFrame(ws_op::kText, C::pingreq()), 1003},
      {"unmasked frame", WsTestClient::encodeFrame(ws_op::kBinary, C::pingreq(), {.mask = false}), 1002},
      {"reserved bit", WsTestClient::encodeFrame(ws_op::kBinary, C::pingreq(), {.rsv = 4}), 1002},
      {"continuation first", WsTestClient::encodeFrame(ws_op::kContinuation, C::pingreq()), 1002},
  };
  for (const Case& k : cases) {
    SCOPED_TRACE(k.name);
    MqttWsClient c;
    ASSERT_TRUE(c.connect(httpPort_, {.clientId = "bad"}));
    ASSERT_TRUE(c.ws().sendRaw(k.frame));
    EXPECT_TRUE(c.ws().expectClose(k.code));
  }
}

TEST_F(MqttWsTest, UpgradeNeedsSubprotocolMqtt) {
  for (std::string_view header : {std::string_view(), std::string_view("Sec-WebSocket-Protocol: mqttv3.1"),
                                  std::string_view("Sec-WebSocket-Protocol: MQTT")}) {
    SCOPED_TRACE(header);
    MqttWsClient c;
    auto r = c.request(httpPort_, header);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 400);
    EXPECT_NE(r->body.find("subprotocol mqtt required"), std::string::npos) << r->body;
  }
  // Offered among others, mqtt is chosen.
  MqttWsClient c;
  auto r = c.request(httpPort_, "Sec-WebSocket-Protocol: mqttv3.1, mqtt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 101);
  EXPECT_TRUE(r->hasHeader("Sec-WebSocket-Protocol: mqtt")) << r->headers;
}

TEST_F(MqttWsTest, OneChannelSpaceWithTcpMqttLineAndHttp) {
  TestClient line = connect();
  ASSERT_TRUE(subscribe(line, {"ws.>"}));
  MqttTestClient tcp;
  ASSERT_TRUE(tcp.connect(mqttPort_, {.clientId = "tcp"}));
  ASSERT_TRUE(tcp.subscribe(1, {{"ws/#", 0}}, {0}));
  MqttWsClient c;
  ASSERT_TRUE(c.connect(httpPort_, {.clientId = "web"}));
  ASSERT_TRUE(c.send(C::subscribePacket(1, {{"http/+", 0}, {"tcp/+", 0}})));
  ASSERT_TRUE(c.expectPacket(C::subackPacket(1, {0, 0})));
  // HTTP and TCP MQTT reach the WebSocket subscriber.
  EXPECT_EQ(httpPublish("http.in", "from-http"), 200);
  auto fromHttp = c.readPublish();
  ASSERT_TRUE(fromHttp);
  EXPECT_EQ(fromHttp->topic + " " + fromHttp->payload, "http/in from-http");
  ASSERT_TRUE(tcp.send(C::publishPacket("tcp/in", "from-tcp")));
  auto fromTcp = c.readPublish();
  ASSERT_TRUE(fromTcp);
  EXPECT_EQ(fromTcp->topic + " " + fromTcp->payload, "tcp/in from-tcp");
  // Its publish reaches the line and the TCP MQTT subscribers.
  ASSERT_TRUE(c.send(C::publishPacket("ws/out", "from-ws")));
  EXPECT_TRUE(line.expectLine("MSG ws.out from-ws"));
  auto atTcp = tcp.readPublish();
  ASSERT_TRUE(atTcp);
  EXPECT_EQ(atTcp->topic + " " + atTcp->payload, "ws/out from-ws");
}

TEST_F(MqttWsTest, SameClientIdTakesOverAcrossTransports) {
  // One session table: a WebSocket CONNECT takes over the TCP session.
  MqttTestClient tcp;
  ASSERT_TRUE(tcp.connect(mqttPort_, {.clientId = "same"}));
  MqttWsClient c;
  ASSERT_TRUE(c.connect(httpPort_, {.clientId = "same"}));
  EXPECT_TRUE(tcp.expectClosed());
  EXPECT_TRUE(c.ping());
}

TEST_F(MqttWsTest, BacklogBeyondTheSocketArrivesWholeAndInOrder) {
  // A subscriber that does not read while 6 MB queue up: the socket fills,
  // frames wait in the transport's own ring, and all arrive in order once
  // it reads (the partial-send path under either backend).
  MqttWsClient sub;
  ASSERT_TRUE(sub.connect(httpPort_, {.clientId = "backlog"}));
  ASSERT_TRUE(sub.send(C::subscribePacket(1, {{"bulk", 0}})));
  ASSERT_TRUE(sub.expectPacket(C::subackPacket(1, {0})));
  MqttTestClient pub;
  ASSERT_TRUE(pub.connect(mqttPort_, {.clientId = "bulkpub"}));
  constexpr int kMessages = 6000;
  const std::string pad(990, 'p');
  std::string batch;
  for (int i = 0; i < kMessages; ++i) {
    batch += C::publishPacket("bulk", std::to_string(i) + pad);
    if (batch.size() > 256 * 1024 || i + 1 == kMessages) {
      ASSERT_TRUE(pub.send(batch));
      batch.clear();
    }
  }
  ASSERT_TRUE(pub.ping());
  for (int i = 0; i < kMessages; ++i) {
    auto m = sub.readPublish();
    ASSERT_TRUE(m) << i;
    ASSERT_EQ(m->payload, std::to_string(i) + pad) << i;
  }
  EXPECT_TRUE(sub.ping());
}

// Every connection of a --threads 3 server: those on threads 1 and 2 move
// to thread 0 after their 101.
class MqttWsThreadsTest : public MqttWsTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--threads", "3"}; }
};

TEST_F(MqttWsThreadsTest, ConnectionsOnEveryThreadBecomeMqtt) {
  MqttTestClient tcp;
  ASSERT_TRUE(tcp.connect(mqttPort_, {.clientId = "watch"}));
  ASSERT_TRUE(tcp.subscribe(1, {{"t/#", 0}}, {0}));
  std::vector<MqttWsClient> clients(6);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].connect(httpPort_, {.clientId = "t" + std::to_string(i)}));
  }
  for (std::size_t i = 0; i < clients.size(); ++i) {
    ASSERT_TRUE(clients[i].send(C::subscribePacket(1, {{"back", 0}})));
    ASSERT_TRUE(clients[i].expectPacket(C::subackPacket(1, {0}))) << i;
    ASSERT_TRUE(clients[i].send(C::publishPacket("t/" + std::to_string(i), "m")));
    auto m = tcp.readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->topic, "t/" + std::to_string(i));
  }
  EXPECT_EQ(httpPublish("back", "all"), 200);
  for (std::size_t i = 0; i < clients.size(); ++i) {
    auto m = clients[i].readPublish();
    ASSERT_TRUE(m) << i;
    EXPECT_EQ(m->payload, "all");
  }
  // The moved connections are counted once, as MQTT.
  EXPECT_TRUE(waitForMetric(httpPort_, "linecast_connections{protocol=\"mqtt\"}", 7));
}

// Without --mqtt-port there is no /mqtt.
class MqttWsOffTest : public ServerTest {
 protected:
  MqttWsOffTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override { return {"--http-port", std::to_string(httpPort_)}; }
  std::uint16_t httpPort_;
};

TEST_F(MqttWsOffTest, MqttPathIsNotFound) {
  MqttWsClient c;
  auto r = c.request(httpPort_, "Sec-WebSocket-Protocol: mqtt");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 404);
}

}  // namespace
}  // namespace linecast::test
