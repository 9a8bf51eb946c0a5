// WebSocket at GET /ws on --http-port (docs/PROTOCOL.md, "WebSocket,
// Server-Sent Events, console page" and "### WebSocket"): the line protocol
// over RFC 6455 with a raw-frame client (ws_test_client.h), every close
// code the server sends, the upgrade's refusals, authentication, and
// traffic between WebSocket, TCP and HTTP clients.

#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "server_test.h"
#include "ws_test_client.h"

namespace linecast::test {
namespace {

constexpr std::string_view kWsGauge = "linecast_connections{protocol=\"ws\"}";

class WebSocketTest : public ServerTest {
 protected:
  WebSocketTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    std::vector<std::string> args = {"--http-port", std::to_string(httpPort_), "--max-line", "1024",
                                     "--max-outbuf", "65536"};
    auto more = moreArgs();
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  virtual std::vector<std::string> moreArgs() const { return {}; }

  // An upgraded WebSocket; a failed upgrade fails the test.
  WsTestClient ws(const WsUpgradeRequest& request = {}) {
    WsTestClient c;
    EXPECT_TRUE(c.connect(httpPort_, request));
    return c;
  }

  // The answer to an upgrade request that should be refused; the test
  // fails if it was not an HTTP response.
  HttpResponse refusal(const WsUpgradeRequest& request) {
    WsTestClient c;
    EXPECT_TRUE(c.open(httpPort_));
    EXPECT_TRUE(c.sendRaw(request.text()));
    auto r = c.readResponse();
    EXPECT_TRUE(r) << "no response to " << escapeBytes(request.text());
    return r ? *r : HttpResponse{};
  }

  // A protocol violation: `bytes` on a fresh WebSocket, then the close
  // frame with `code` and `reason`, then the TCP close.
  ::testing::AssertionResult violation(std::string_view bytes, std::uint16_t code, std::string_view reason) {
    WsTestClient c;
    auto connected = c.connect(httpPort_);
    if (!connected) return connected;
    auto sent = c.sendRaw(bytes);
    if (!sent) return sent;
    auto closed = c.expectClose(code, reason);
    if (!closed) return closed << "\n     after sending " << escapeBytes(bytes);
    return closed;
  }

  std::uint16_t httpPort_;
};

using Opts = WsFrameOptions;

std::string frame(std::uint8_t opcode, std::string_view payload, const Opts& options = {}) {
  return WsTestClient::encodeFrame(opcode, payload, options);
}

TEST(WsTestClientSelfTest, AcceptValueIsRfc6455sExample) {
  // RFC 6455 1.3's worked example.
  EXPECT_EQ(WsTestClient::acceptFor("dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
  // RFC 6455 5.7's masked "Hello".
  EXPECT_EQ(frame(ws_op::kText, "Hello", Opts{.maskKey = 0x37fa213d}),
            std::string("\x81\x85\x37\xfa\x21\x3d\x7f\x9f\x4d\x51\x58", 11));
  EXPECT_EQ(frame(ws_op::kBinary, std::string(256, 'x'), Opts{.mask = false}).substr(0, 4),
            std::string("\x82\x7e\x01\x00", 4));
}

// ---- The line protocol over WebSocket ----

TEST_F(WebSocketTest, TcpPublishReachesWebSocketSubscriberAndBack) {
  WsTestClient w = ws();
  TestClient tcp = connect();
  ASSERT_TRUE(w.sendText("SUB room.>"));
  ASSERT_TRUE(w.ping("subscribed"));
  ASSERT_TRUE(subscribe(tcp, {"room.*"}));
  ASSERT_TRUE(tcp.send("PUB room.tv 41\nPUB other x\nPUB room.tv.volume 7\n"));
  EXPECT_TRUE(w.expectText("MSG room.tv 41"));
  EXPECT_TRUE(w.expectText("MSG room.tv.volume 7"));
  // The WebSocket publishes; the TCP subscriber (and the WebSocket itself) get it.
  EXPECT_TRUE(tcp.expectLine("MSG room.tv 41"));
  ASSERT_TRUE(w.sendText("PUB room.lights on"));
  EXPECT_TRUE(tcp.expectLine("MSG room.lights on"));
  EXPECT_TRUE(w.expectText("MSG room.lights on"));
  EXPECT_TRUE(w.ping());
}

TEST_F(WebSocketTest, WebSocketToWebSocketAndHttpPostToWebSocket) {
  WsTestClient sub = ws();
  WsTestClient pub = ws();
  ASSERT_TRUE(sub.sendText("SUB a"));
  ASSERT_TRUE(sub.ping());
  ASSERT_TRUE(pub.sendText("PUB a from-ws"));
  EXPECT_TRUE(sub.expectText("MSG a from-ws"));
  auto r = httpExchange(httpPort_, "POST /pub/a HTTP/1.1\r\nHost: t\r\nContent-Length: 14\r\n\r\nfrom-http\nlast");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"published\":2,\"delivered\":2}\n");
  EXPECT_TRUE(sub.expectText("MSG a from-http"));
  EXPECT_TRUE(sub.expectText("MSG a last"));
}

TEST_F(WebSocketTest, OneMessageMayHoldSeveralLinesAndCrlfEndings) {
  WsTestClient w = ws();
  TestClient pub = connect();
  // Empty lines are skipped; the last line needs no newline.
  ASSERT_TRUE(w.sendText("SUB a\r\n\nSUB b\nPING one\r\nPING two"));
  EXPECT_TRUE(w.expectText("PONG one"));
  EXPECT_TRUE(w.expectText("PONG two"));
  // A WebSocket's message may end in a newline too.
  ASSERT_TRUE(w.sendText("PUB a 1\r\nPUB b 2\r\n"));
  EXPECT_TRUE(w.expectText("MSG a 1"));
  EXPECT_TRUE(w.expectText("MSG b 2"));
  ASSERT_TRUE(pub.send("PUB a 3\n"));
  EXPECT_TRUE(w.expectText("MSG a 3"));
  // A binary message holds lines just the same.
  ASSERT_TRUE(w.sendBinary("PUB b 4\nPING three"));
  EXPECT_TRUE(w.expectText("MSG b 4"));
  EXPECT_TRUE(w.expectText("PONG three"));
}

TEST_F(WebSocketTest, ErrorRepliesAreTextMessagesAndNotFatal) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("FROB x"));
  EXPECT_TRUE(w.expectText("-ERR unknown command 'FROB'"));
  ASSERT_TRUE(w.sendText("PUB a.* x"));
  auto f = w.readFrame();
  ASSERT_TRUE(f);
  EXPECT_EQ(f->opcode, ws_op::kText);
  EXPECT_EQ(f->payload.rfind("-ERR ", 0), 0u) << f->describe();
  EXPECT_TRUE(w.ping());
}

TEST_F(WebSocketTest, Utf8PayloadsGoAsTextOthersAsBinary) {
  WsTestClient w = ws();
  TestClient pub = connect();
  ASSERT_TRUE(w.sendText("SUB bin"));
  ASSERT_TRUE(w.ping());
  ASSERT_TRUE(pub.send("PUB bin \xff\xfe raw\nPUB bin h\xc3\xa9llo \xe2\x82\xac\nPUB bin \xe2\x82\n"));
  EXPECT_TRUE(w.expectBinary("MSG bin \xff\xfe raw"));
  EXPECT_TRUE(w.expectText("MSG bin h\xc3\xa9llo \xe2\x82\xac"));
  EXPECT_TRUE(w.expectBinary("MSG bin \xe2\x82"));  // a truncated code point is not UTF-8
  // A binary message from the client may hold any bytes.
  ASSERT_TRUE(w.sendBinary("PUB bin \x80\x81"));
  EXPECT_TRUE(w.expectBinary("MSG bin \x80\x81"));
}

TEST_F(WebSocketTest, PingIsAnsweredWithItsPayloadAndPongIsIgnored) {
  WsTestClient w = ws();
  for (std::string payload : {std::string("hello"), std::string(), std::string(125, 'p'), std::string("\x00\xff", 2)}) {
    ASSERT_TRUE(w.sendFrame(ws_op::kPing, payload));
    auto f = w.readFrame();
    ASSERT_TRUE(f) << "no pong for a ping of " << payload.size() << " bytes";
    EXPECT_EQ(f->opcode, ws_op::kPong) << f->describe();
    EXPECT_TRUE(f->fin);
    EXPECT_FALSE(f->masked);
    EXPECT_EQ(f->payload, payload);
  }
  ASSERT_TRUE(w.sendFrame(ws_op::kPong, "unsolicited"));
  EXPECT_TRUE(w.ping());
}

TEST_F(WebSocketTest, FragmentedMessageWithAPingInBetween) {
  WsTestClient w = ws();
  TestClient pub = connect();
  // "SUB frag.x" in three fragments, a ping among them, answered at once.
  ASSERT_TRUE(w.sendFrame(ws_op::kText, "SU", Opts{.fin = false}));
  ASSERT_TRUE(w.sendFrame(ws_op::kContinuation, "B fra", Opts{.fin = false}));
  ASSERT_TRUE(w.sendFrame(ws_op::kPing, "between"));
  auto pong = w.readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws_op::kPong);
  EXPECT_EQ(pong->payload, "between");
  ASSERT_TRUE(w.sendFrame(ws_op::kContinuation, "g.x\nPING done", Opts{.fin = true}));
  EXPECT_TRUE(w.expectText("PONG done"));
  ASSERT_TRUE(pub.send("PUB frag.x hi\n"));
  EXPECT_TRUE(w.expectText("MSG frag.x hi"));
  // A code point split across fragments is fine.
  ASSERT_TRUE(w.sendFrame(ws_op::kText, "PUB frag.x \xe2\x82", Opts{.fin = false}));
  ASSERT_TRUE(w.sendFrame(ws_op::kContinuation, "\xac"));
  EXPECT_TRUE(w.expectText("MSG frag.x \xe2\x82\xac"));
  // Every frame byte by byte: the parser resumes.
  std::string bytes = frame(ws_op::kText, "PING slow", Opts{.fin = false}) +
                      frame(ws_op::kContinuation, "ly", Opts{.maskKey = 0x01020304});
  for (char c : bytes) ASSERT_TRUE(w.sendRaw(std::string_view(&c, 1)));
  EXPECT_TRUE(w.expectText("PONG slowly"));
}

// ---- Close codes ----

TEST_F(WebSocketTest, QuitGetsOkByeThenClose1000) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("QUIT"));
  EXPECT_TRUE(w.expectText("+OK bye"));
  EXPECT_TRUE(w.expectClose(1000, ""));
}

TEST_F(WebSocketTest, ClientCloseIsAnsweredWithItsCode) {
  for (std::uint16_t code : {1000, 1001, 1003, 1007, 1011, 3000, 4999}) {
    WsTestClient w = ws();
    ASSERT_TRUE(w.sendClose(code, "bye"));
    EXPECT_TRUE(w.expectClose(code)) << "code " << code;
  }
  // Lines before the close in the same segment are still executed.
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendRaw(frame(ws_op::kText, "PING last", {}) + frame(ws_op::kClose, WsTestClient::closePayload(1000))));
  EXPECT_TRUE(w.expectText("PONG last"));
  EXPECT_TRUE(w.expectClose(1000));
}

TEST_F(WebSocketTest, CloseWithoutCodeIsAnsweredWithEmptyClose) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendFrame(ws_op::kClose, ""));
  EXPECT_TRUE(w.expectEmptyClose());
}

TEST_F(WebSocketTest, ProtocolViolationsClose1002) {
  const std::string ping = "PING x";
  struct Case {
    const char* what;
    std::string bytes;
    const char* reason;
  };
  std::string nonMinimal16 = std::string("\x81\xfe\x00\x05", 4) + "\x00\x00\x00\x00" + "PING ";
  std::string nonMinimal64 = std::string("\x81\xff", 2) + std::string("\x00\x00\x00\x00\x00\x00\x00\x05", 8) +
                             std::string("\x00\x00\x00\x00", 4) + "PING ";
  std::string topBit64 = std::string("\x81\xff\x80", 3) + std::string(7, '\0') + std::string(4, '\0');
  std::vector<Case> cases = {
      {"unmasked frame", frame(ws_op::kText, ping, Opts{.mask = false}), "unmasked client frame"},
      {"RSV1 without deflate", frame(ws_op::kText, ping, Opts{.rsv = 4}), "reserved bit set"},
      {"RSV2", frame(ws_op::kText, ping, Opts{.rsv = 2}), "reserved bit set"},
      {"RSV3", frame(ws_op::kText, ping, Opts{.rsv = 1}), "reserved bit set"},
      {"RSV1 on a ping", frame(ws_op::kPing, "x", Opts{.rsv = 4}), "reserved bit set"},
      {"opcode 0x3", frame(0x3, ping), "unknown opcode"},
      {"opcode 0x7", frame(0x7, ping), "unknown opcode"},
      {"opcode 0xB", frame(0xB, "x"), "unknown opcode"},
      {"opcode 0xF", frame(0xF, "x"), "unknown opcode"},
      {"fragmented ping", frame(ws_op::kPing, "x", Opts{.fin = false}), "fragmented control frame"},
      {"fragmented close", frame(ws_op::kClose, "", Opts{.fin = false}), "fragmented control frame"},
      {"126-byte ping", frame(ws_op::kPing, std::string(126, 'p')), "control frame over 125 bytes"},
      {"126-byte close", frame(ws_op::kClose, WsTestClient::closePayload(1000, std::string(124, 'r'))),
       "control frame over 125 bytes"},
      {"continuation without a start", frame(ws_op::kContinuation, ping), "continuation frame without a message"},
      {"text inside a fragmented message",
       frame(ws_op::kText, "PING", Opts{.fin = false}) + frame(ws_op::kText, ping),
       "new message inside a fragmented one"},
      {"binary inside a fragmented message",
       frame(ws_op::kBinary, "PING", Opts{.fin = false}) + frame(ws_op::kContinuation, " a", Opts{.fin = false}) +
           frame(ws_op::kBinary, ping),
       "new message inside a fragmented one"},
      {"1-byte close payload", frame(ws_op::kClose, std::string(1, '\x03')), "close frame with a 1-byte payload"},
      {"16-bit length for 5 bytes", nonMinimal16, "length not minimally encoded"},
      {"64-bit length for 5 bytes", nonMinimal64, "length not minimally encoded"},
      {"64-bit length with its top bit", topBit64, "64-bit length with its top bit set"},
  };
  for (std::uint16_t code : {0, 999, 1004, 1005, 1006, 1012, 1014, 1015, 2999, 5000, 65535}) {
    cases.push_back({"close code", frame(ws_op::kClose, WsTestClient::closePayload(code)), "invalid close code"});
  }
  for (const Case& c : cases) {
    EXPECT_TRUE(violation(c.bytes, 1002, c.reason)) << c.what;
  }
  EXPECT_TRUE(waitForMetric(httpPort_, kWsGauge, 0));
  EXPECT_EQ(metricValue(httpPort_, "linecast_protocol_errors_total"), static_cast<long long>(cases.size()));
}

TEST_F(WebSocketTest, ViolationAfterValidTrafficStillCloses1002) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("SUB a"));
  ASSERT_TRUE(w.ping());
  ASSERT_TRUE(w.sendRaw(frame(ws_op::kText, "PING before") + frame(ws_op::kText, "PING x", Opts{.mask = false})));
  EXPECT_TRUE(w.expectText("PONG before"));
  EXPECT_TRUE(w.expectClose(1002, "unmasked client frame"));
}

TEST_F(WebSocketTest, InvalidUtf8Closes1007) {
  // In one frame.
  EXPECT_TRUE(violation(frame(ws_op::kText, "PUB a \xff"), 1007, "invalid UTF-8 in a text message"));
  // An overlong encoding, a surrogate.
  EXPECT_TRUE(violation(frame(ws_op::kText, "PUB a \xc0\xaf"), 1007, "invalid UTF-8 in a text message"));
  EXPECT_TRUE(violation(frame(ws_op::kText, "PUB a \xed\xa0\x80"), 1007, "invalid UTF-8 in a text message"));
  // Across fragments: refused at the fragment that makes it invalid,
  // before the message ends.
  EXPECT_TRUE(violation(frame(ws_op::kText, "PUB a \xe2\x82", Opts{.fin = false}) +
                            frame(ws_op::kContinuation, "(", Opts{.fin = false}),
                        1007, "invalid UTF-8 in a text message"));
  // A code point left open at the last fragment.
  EXPECT_TRUE(violation(frame(ws_op::kText, "PUB a x", Opts{.fin = false}) + frame(ws_op::kContinuation, " \xe2\x82"),
                        1007, "invalid UTF-8 in a text message"));
  // A close reason that is not UTF-8.
  EXPECT_TRUE(violation(frame(ws_op::kClose, WsTestClient::closePayload(1000, "bye \xff")), 1007,
                        "close reason not UTF-8"));
  // Nothing of the invalid messages was published.
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));
}

TEST_F(WebSocketTest, MessageOverMaxLineCloses1009) {
  // --max-line 1024 bounds a message: exactly 1024 bytes pass.
  WsTestClient ok = ws();
  std::string fits = "PING " + std::string(1024 - 5, 'x');
  ASSERT_TRUE(ok.sendText(fits));
  EXPECT_TRUE(ok.expectText("PONG " + std::string(1024 - 5, 'x')));
  // 1025 bytes in one frame.
  EXPECT_TRUE(violation(frame(ws_op::kText, fits + "x"), 1009, "message too big"));
  // From the length field alone, before any payload byte arrived.
  EXPECT_TRUE(violation(std::string("\x81\xfe\x08\x00", 4), 1009, "message too big"));
  // Fragments adding up past the limit.
  EXPECT_TRUE(violation(frame(ws_op::kText, std::string(600, 'a'), Opts{.fin = false}) +
                            frame(ws_op::kContinuation, std::string(425, 'b')),
                        1009, "message too big"));
  EXPECT_TRUE(violation(frame(ws_op::kBinary, std::string(1000, 'a'), Opts{.fin = false}) +
                            frame(ws_op::kContinuation, std::string(20, 'b'), Opts{.fin = false}) +
                            frame(ws_op::kContinuation, std::string(5, 'c')),
                        1009, "message too big"));
  // Fragments that add up to exactly the limit pass; control frames in
  // between do not count.
  WsTestClient frag = ws();
  ASSERT_TRUE(frag.sendRaw(frame(ws_op::kText, "PING " + std::string(500, 'y'), Opts{.fin = false}) +
                           frame(ws_op::kPing, std::string(125, 'p')) +
                           frame(ws_op::kContinuation, std::string(1024 - 505, 'z'))));
  auto pong = frag.readFrame();
  ASSERT_TRUE(pong);
  EXPECT_EQ(pong->opcode, ws_op::kPong);
  EXPECT_TRUE(frag.expectText("PONG " + std::string(500, 'y') + std::string(1024 - 505, 'z')));
}

class WebSocketAuthTest : public WebSocketTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--auth-token", "T0k3n"}; }
};

TEST_F(WebSocketAuthTest, UpgradeWithoutCredentialsThenAuthAsFirstMessage) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("SUB a"));
  EXPECT_TRUE(w.expectText("-ERR authentication required"));
  ASSERT_TRUE(w.sendText("PING still-open"));
  EXPECT_TRUE(w.expectText("PONG still-open"));
  ASSERT_TRUE(w.sendText("AUTH T0k3n"));
  EXPECT_TRUE(w.expectText("+OK"));
  ASSERT_TRUE(w.sendText("SUB a"));
  ASSERT_TRUE(w.ping());
  ASSERT_TRUE(w.sendText("PUB a me"));
  EXPECT_TRUE(w.expectText("MSG a me"));
}

TEST_F(WebSocketAuthTest, AuthInTheFirstMessageWithOtherLines) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("AUTH T0k3n\nSUB a\nPUB a x"));
  EXPECT_TRUE(w.expectText("+OK"));
  EXPECT_TRUE(w.expectText("MSG a x"));
}

TEST_F(WebSocketAuthTest, WrongAuthGetsErrorThenClose1008) {
  WsTestClient w = ws();
  ASSERT_TRUE(w.sendText("AUTH nope"));
  EXPECT_TRUE(w.expectText("-ERR authentication failed"));
  EXPECT_TRUE(w.expectClose(1008, "authentication failed"));
}

TEST_F(WebSocketAuthTest, TokenQueryParameterAuthenticatesTheUpgrade) {
  WsTestClient w = ws(WsUpgradeRequest().target("/ws?token=T0k3n"));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("AUTH T0k3n\n"));
  ASSERT_TRUE(pub.expectLine("+OK"));
  ASSERT_TRUE(w.sendText("SUB q"));
  ASSERT_TRUE(w.ping());
  ASSERT_TRUE(pub.send("PUB q from-tcp\n"));
  EXPECT_TRUE(w.expectText("MSG q from-tcp"));
  ASSERT_TRUE(w.sendText("PUB q from-ws"));
  EXPECT_TRUE(w.expectText("MSG q from-ws"));
  // Percent-encoded, among other parameters.
  WsTestClient encoded = ws(WsUpgradeRequest().target("/ws?x=1&token=T0k%33n&y"));
  EXPECT_TRUE(encoded.sendText("SUB q"));
  EXPECT_TRUE(encoded.ping());
}

TEST_F(WebSocketAuthTest, WrongTokenParameterOrHeaderGets401) {
  for (const WsUpgradeRequest& request :
       {WsUpgradeRequest().target("/ws?token=wrong"), WsUpgradeRequest().target("/ws?token="),
        WsUpgradeRequest().header("Authorization: Bearer wrong"),
        WsUpgradeRequest().header("Authorization: Digest abc")}) {
    HttpResponse r = refusal(request);
    EXPECT_EQ(r.status, 401) << request.target_ << " " << request.extra_;
    EXPECT_TRUE(r.hasHeader("WWW-Authenticate: Bearer")) << r.headers;
  }
}

TEST_F(WebSocketAuthTest, BearerHeaderAuthenticatesTheUpgrade) {
  WsTestClient w = ws(WsUpgradeRequest().header("Authorization: Bearer T0k3n"));
  ASSERT_TRUE(w.sendText("SUB h"));
  ASSERT_TRUE(w.ping());
  ASSERT_TRUE(w.sendText("PUB h x"));
  EXPECT_TRUE(w.expectText("MSG h x"));
}

class WebSocketAuthTimeoutTest : public WebSocketTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--auth-token", "T0k3n", "--auth-timeout", "0.3"}; }
};

TEST_F(WebSocketAuthTimeoutTest, UnauthenticatedWebSocketIsClosedAfterAuthTimeout) {
  WsTestClient w = ws();
  WsTestClient authed = ws(WsUpgradeRequest().target("/ws?token=T0k3n"));
  // PING is allowed before AUTH but does not stop the clock.
  ASSERT_TRUE(w.ping());
  EXPECT_TRUE(w.expectText("-ERR authentication timeout"));
  EXPECT_TRUE(w.expectClose(1008, "authentication timeout"));
  // The one the query authenticated stays.
  EXPECT_TRUE(authed.ping());
}

class WebSocketSlowConsumerTest : public WebSocketTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--max-line", "4096", "--max-outbuf", "65536"}; }
};

// A WebSocket subscriber that does not read is cut at --max-outbuf: what it
// received is whole MSG frames in order, then at most a torn frame or the
// close frame 1008 "slow consumer"; slow_consumers_total counts it.
TEST_F(WebSocketSlowConsumerTest, SubscriberThatDoesNotReadIsCut) {
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  WsTestClient slow;
  ASSERT_TRUE(slow.connect(httpPort_, {}, tiny));
  ASSERT_TRUE(slow.sendText("SUB feed"));
  ASSERT_TRUE(slow.ping());
  TestClient pub = connect();
  const std::string payload(1000, 'p');
  std::string batch;
  for (int i = 0; i < 10; ++i) batch += "PUB feed " + payload + "\n";
  // 8 MB, far past the 64 KiB outbuf and what the kernel buffers hold, in
  // 10 KB steps (a PING barrier after each), so that the kernel's buffers
  // fill first and the backlog then grows over several turns.
  for (int b = 0; b < 800; ++b) {
    ASSERT_TRUE(pub.send(batch)) << "batch " << b;
    ASSERT_TRUE(pub.ping()) << "batch " << b;
  }
  auto bytes = slow.tcp().readUntilClosed(milliseconds(10'000));
  ASSERT_TRUE(bytes) << "the slow WebSocket was not closed";
  // Parse what arrived.
  const std::string msg = "MSG feed " + payload;
  std::size_t pos = 0;
  int whole = 0;
  bool sawClose = false;
  while (pos < bytes->size()) {
    if (bytes->size() - pos < 4) break;  // a torn header
    auto b0 = static_cast<unsigned char>((*bytes)[pos]);
    auto b1 = static_cast<unsigned char>((*bytes)[pos + 1]);
    std::size_t length = b1 & 0x7F;
    std::size_t header = 2;
    if (length == 126) {
      length = static_cast<unsigned char>((*bytes)[pos + 2]) << 8 | static_cast<unsigned char>((*bytes)[pos + 3]);
      header = 4;
    }
    if (pos + header + length > bytes->size()) break;  // a torn frame
    std::string body = bytes->substr(pos + header, length);
    pos += header + length;
    if (b0 == 0x88) {
      WsFrame f{.fin = true, .opcode = ws_op::kClose, .payload = body};
      EXPECT_EQ(f.closeCode(), 1008);
      EXPECT_EQ(f.closeReason(), "slow consumer");
      EXPECT_EQ(pos, bytes->size()) << "bytes after the close frame";
      sawClose = true;
      break;
    }
    ASSERT_EQ(b0, 0x81) << "frame " << whole;
    ASSERT_EQ(body, msg) << "frame " << whole;
    ++whole;
  }
  EXPECT_LT(whole, 8000) << "it was never cut";
  std::cout << "[ info ] the slow WebSocket got " << whole << " messages, then "
            << (sawClose ? "close 1008" : pos < bytes->size() ? "a torn frame" : "nothing") << "\n";
  EXPECT_TRUE(waitForMetric(httpPort_, "linecast_slow_consumers_total", 1));
  EXPECT_TRUE(waitForMetric(httpPort_, kWsGauge, 0));
  EXPECT_TRUE(pub.ping());
}

class WebSocketTinyOutbufTest : public WebSocketTest {
 protected:
  // The smallest --max-outbuf --max-line allows: two 1013-byte frames
  // queued in one turn are over it.
  std::vector<std::string> moreArgs() const override { return {"--max-outbuf", "1536"}; }
};

// A subscriber whose socket takes everything, cut because one turn queued
// more than --max-outbuf for it: every write before the cut was whole, so
// the close frame 1008 goes out (under epoll; io_uring sends it only when
// no send is in flight at the cut, which a test cannot arrange).
TEST_F(WebSocketTinyOutbufTest, CutBetweenWholeFramesSendsClose1008) {
  WsTestClient sub = ws();
  ASSERT_TRUE(sub.sendText("SUB feed"));
  ASSERT_TRUE(sub.ping());
  TestClient pub = connect();
  const std::string payload(1000, 'p');
  std::string batch;
  for (int i = 0; i < 50; ++i) batch += "PUB feed " + payload + "\n";
  ASSERT_TRUE(pub.send(batch));
  ASSERT_TRUE(pub.ping());
  int whole = 0;
  std::optional<WsFrame> f;
  for (; whole <= 50; ++whole) {
    f = sub.readFrame();
    if (!f || f->opcode != ws_op::kText) break;
    ASSERT_EQ(f->payload, "MSG feed " + payload) << "frame " << whole;
  }
  std::cout << "[ info ] " << whole << " messages before the cut, then " << (f ? f->describe() : "no frame") << "\n";
  EXPECT_LT(whole, 50) << "never cut";
  const char* io = std::getenv("LINECAST_TEST_IO");
  bool uring = io != nullptr && std::string_view(io) == "uring";
  if (f || !uring) {
    ASSERT_TRUE(f) << "no close frame after " << whole << " messages"
                   << (sub.tcp().peerClosed() ? " (the connection was closed)" : "");
    EXPECT_EQ(f->opcode, ws_op::kClose) << f->describe();
    EXPECT_EQ(f->closeCode(), 1008) << f->describe();
    EXPECT_EQ(f->closeReason(), "slow consumer") << f->describe();
  }
  EXPECT_TRUE(sub.tcp().expectClosed());
  EXPECT_TRUE(waitForMetric(httpPort_, "linecast_slow_consumers_total", 1));
}

// ---- The upgrade ----

TEST_F(WebSocketTest, UpgradeRefusals) {
  struct Case {
    const char* what;
    WsUpgradeRequest request;
    int status;
  };
  std::vector<Case> cases = {
      {"no key", WsUpgradeRequest().key(""), 400},
      {"key of 15 bytes", WsUpgradeRequest().key("AAAAAAAAAAAAAAAAAAAA"), 400},
      {"key of 17 bytes", WsUpgradeRequest().key("AAAAAAAAAAAAAAAAAAAAAAA="), 400},
      {"key not base64", WsUpgradeRequest().key("not base64 at all!!!!!=="), 400},
      {"no Upgrade", WsUpgradeRequest().upgrade(""), 400},
      {"Upgrade: h2c", WsUpgradeRequest().upgrade("h2c"), 400},
      {"no Connection", WsUpgradeRequest().connection(""), 400},
      {"Connection: keep-alive", WsUpgradeRequest().connection("keep-alive"), 400},
      {"POST", WsUpgradeRequest().method("POST").header("Content-Length: 0"), 405},
      {"PUT", WsUpgradeRequest().method("PUT").header("Content-Length: 0"), 405},
  };
  for (const Case& c : cases) {
    HttpResponse r = refusal(c.request);
    EXPECT_EQ(r.status, c.status) << c.what << ": " << r.headers << r.body;
    EXPECT_FALSE(r.hasHeader("Upgrade: websocket")) << c.what;
  }
  for (std::string version : {"8", "", "14", "13, 8"}) {
    HttpResponse r = refusal(WsUpgradeRequest().version(version));
    EXPECT_EQ(r.status, 426) << "version " << escapeBytes(version);
    EXPECT_TRUE(r.hasHeader("Sec-WebSocket-Version: 13")) << r.headers;
  }
  EXPECT_TRUE(refusal(WsUpgradeRequest().method("POST").header("Content-Length: 0")).hasHeader("Allow: GET"));
  // No refused upgrade left a WebSocket behind.
  EXPECT_EQ(metricValue(httpPort_, kWsGauge), 0);
}

TEST_F(WebSocketTest, UpgradeTokensAreCaseInsensitiveListElements) {
  WsTestClient a = ws(WsUpgradeRequest().upgrade("WebSocket").connection("keep-alive, Upgrade"));
  EXPECT_TRUE(a.ping());
  WsTestClient b = ws(WsUpgradeRequest().connection("upgrade").key("AQIDBAUGBwgJCgsMDQ4PEA=="));
  EXPECT_TRUE(b.ping());
  // An Origin is accepted by default.
  WsTestClient c = ws(WsUpgradeRequest().header("Origin: https://anywhere.example"));
  EXPECT_TRUE(c.ping());
}

TEST_F(WebSocketTest, UpgradeOnAKeepAliveConnectionAfterAnotherRequest) {
  WsTestClient c;
  ASSERT_TRUE(c.open(httpPort_));
  ASSERT_TRUE(c.sendRaw("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto health = c.readResponse();
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  // A keep-alive connection may upgrade on a later request.
  WsUpgradeRequest request;
  ASSERT_TRUE(c.sendRaw(request.text()));
  ASSERT_TRUE(c.expectSwitch(request.key_));
  EXPECT_TRUE(c.ping());
}

TEST_F(WebSocketTest, FramesInTheUpgradesSegmentAreNotLost) {
  WsTestClient c;
  ASSERT_TRUE(c.open(httpPort_));
  WsUpgradeRequest request;
  ASSERT_TRUE(c.sendRaw(request.text() + frame(ws_op::kText, "PING early")));
  ASSERT_TRUE(c.expectSwitch(request.key_));
  EXPECT_TRUE(c.expectText("PONG early"));
}

class WebSocketOriginTest : public WebSocketTest {
 protected:
  std::vector<std::string> moreArgs() const override {
    return {"--ws-allowed-origins", "https://app.example.com, http://localhost:8080"};
  }
};

TEST_F(WebSocketOriginTest, OnlyListedOriginsMayUpgrade) {
  for (std::string origin : {"https://evil.example", "https://app.example.com.evil", "http://app.example.com",
                             "http://localhost:8081", "null"}) {
    HttpResponse r = refusal(WsUpgradeRequest().header("Origin: " + origin));
    EXPECT_EQ(r.status, 403) << origin;
  }
  for (std::string origin : {"https://app.example.com", "HTTPS://APP.EXAMPLE.COM", "http://localhost:8080"}) {
    WsTestClient c;
    ASSERT_TRUE(c.connect(httpPort_, WsUpgradeRequest().header("Origin: " + origin))) << origin;
    EXPECT_TRUE(c.ping()) << origin;
  }
  // No Origin: not a browser, accepted.
  WsTestClient none = ws();
  EXPECT_TRUE(none.ping());
}

// ---- Many WebSockets, gauges ----

TEST_F(WebSocketTest, ThousandSubscribersEachGetEveryMessageInOrder) {
  constexpr int kSubscribers = 1000;
  constexpr int kMessages = 20;
  auto start = Clock::now();
  std::vector<WsTestClient> subs(kSubscribers);
  WsUpgradeRequest request;
  // Pipelined: every connection sends its request, then every one reads
  // its answer and subscribes, then every one waits for its PONG.
  for (int i = 0; i < kSubscribers; ++i) {
    ASSERT_TRUE(subs[i].open(httpPort_)) << "subscriber " << i;
    ASSERT_TRUE(subs[i].sendRaw(request.text())) << "subscriber " << i;
  }
  for (int i = 0; i < kSubscribers; ++i) {
    ASSERT_TRUE(subs[i].expectSwitch(request.key_)) << "subscriber " << i;
    ASSERT_TRUE(subs[i].sendText("SUB fan.*\nPING ready")) << "subscriber " << i;
  }
  for (int i = 0; i < kSubscribers; ++i) ASSERT_TRUE(subs[i].expectText("PONG ready")) << "subscriber " << i;
  EXPECT_EQ(metricValue(httpPort_, kWsGauge), kSubscribers);
  TestClient pub = connect();
  std::string all;
  for (int m = 0; m < kMessages; ++m) all += "PUB fan.out " + std::to_string(m) + "\n";
  ASSERT_TRUE(pub.send(all));
  for (int i = 0; i < kSubscribers; ++i) {
    for (int m = 0; m < kMessages; ++m) {
      ASSERT_TRUE(subs[i].expectText("MSG fan.out " + std::to_string(m))) << "subscriber " << i;
    }
  }
  std::cout << "[ info ] " << kSubscribers << " WebSockets x " << kMessages << " messages in "
            << std::chrono::duration_cast<milliseconds>(Clock::now() - start).count() << " ms\n";
  subs.clear();
  EXPECT_TRUE(waitForMetric(httpPort_, kWsGauge, 0, milliseconds(10'000)));
}

TEST_F(WebSocketTest, GaugesAndClientListShowWebSockets) {
  EXPECT_EQ(metricValue(httpPort_, kWsGauge), 0);
  WsTestClient a = ws();
  WsTestClient b = ws();
  ASSERT_TRUE(a.sendText("SUB g.*"));
  ASSERT_TRUE(a.ping());
  ASSERT_TRUE(b.ping());
  EXPECT_EQ(metricValue(httpPort_, kWsGauge), 2);
  auto stats = httpExchange(httpPort_, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->body.find("\"ws\":2"), std::string::npos) << stats->body;
  // CLIENT LIST over RESP on the main port: protocol=ws with its subscription.
  TestClient resp = connect();
  auto text = respClientList(resp);
  ASSERT_TRUE(text) << "no CLIENT LIST reply";
  int listed = 0;
  std::size_t at = 0;
  while ((at = text->find("protocol=ws", at)) != std::string::npos) {
    ++listed;
    ++at;
  }
  EXPECT_EQ(listed, 2) << *text;
  EXPECT_NE(text->find("psub=1"), std::string::npos) << *text;
  ASSERT_TRUE(a.sendText("QUIT"));
  EXPECT_TRUE(a.expectText("+OK bye"));
  EXPECT_TRUE(a.expectClose(1000, ""));
  EXPECT_TRUE(waitForMetric(httpPort_, kWsGauge, 1));
  b.tcp().close();  // without a close frame
  EXPECT_TRUE(waitForMetric(httpPort_, kWsGauge, 0));
}

}  // namespace
}  // namespace linecast::test
