// Retained messages (docs/PROTOCOL.md, "Retained messages"): RETAIN and
// the retained MSGs a SUB gets before its next reply, exact and wildcard,
// clearing, the limits, HTTP's ?retain=1, GET and DELETE /retained/, a
// pattern already held, across reactor threads, permissions, WebSocket,
// Server-Sent Events, and RESP subscribers (which get none).

#include <string>
#include <vector>

#include "../temp_file.h"
#include "http_client.h"
#include "server_test.h"

namespace linecast::test {
namespace {

class RetainedTest : public ServerTest {
 protected:
  RetainedTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    std::vector<std::string> args = {"--http-port", std::to_string(httpPort_)};
    for (const std::string& a : extraArgs()) args.push_back(a);
    return args;
  }
  virtual std::vector<std::string> extraArgs() const { return {}; }

  TestClient http() { return httpClient(httpPort_); }
  std::optional<Response> exchange(const std::string& request) { return exchangeOn(httpPort_, request); }
  // RETAIN (or any commands) from a client of its own, confirmed by PONG.
  ::testing::AssertionResult confirmed(std::string_view commands) {
    TestClient c = connect();
    auto sent = c.send(commands);
    if (!sent) return sent;
    return c.ping("stored");
  }
  std::uint16_t httpPort_;
};

TEST_F(RetainedTest, SubGetsTheRetainedMessageBeforeItsNextReply) {
  TestClient live = connect();
  ASSERT_TRUE(subscribe(live, {"room1.tv.volume"}));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("RETAIN room1.tv.volume 42\n"));
  ASSERT_TRUE(pub.ping("a"));
  // Published like PUB to whoever is subscribed.
  EXPECT_TRUE(live.expectLine("MSG room1.tv.volume 42"));

  TestClient late = connect();
  ASSERT_TRUE(late.send("SUB room1.tv.volume\nPING b\n"));
  EXPECT_TRUE(late.expectLine("MSG room1.tv.volume 42"));
  EXPECT_TRUE(late.expectLine("PONG b"));
  // Only the last value is kept, byte for byte (leading spaces included).
  ASSERT_TRUE(confirmed("RETAIN room1.tv.volume   43 x\n"));
  TestClient later = connect();
  ASSERT_TRUE(later.send("sub room1.tv.volume\nPING c\n"));
  EXPECT_TRUE(later.expectLine("MSG room1.tv.volume   43 x"));
  EXPECT_TRUE(later.expectLine("PONG c"));
}

TEST_F(RetainedTest, WildcardsGetEveryMatchOnceInTokenOrder) {
  ASSERT_TRUE(confirmed("RETAIN room1.tv.volume 42\nRETAIN room1.tv.power on\nRETAIN room1.lights off\n"
                        "RETAIN room2.tv.volume 7\nRETAIN room1 top\n"));
  TestClient sub = connect();
  ASSERT_TRUE(sub.send("SUB room1.>\nPING 1\n"));
  EXPECT_TRUE(sub.expectLine("MSG room1.lights off"));
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.power on"));
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.volume 42"));
  EXPECT_TRUE(sub.expectLine("PONG 1"));

  // Two new patterns matching the same channel: it comes once, in the
  // order of the patterns.
  TestClient two = connect();
  ASSERT_TRUE(two.send("SUB *.tv.volume room1.*.volume\nPING 2\n"));
  EXPECT_TRUE(two.expectLine("MSG room1.tv.volume 42"));
  EXPECT_TRUE(two.expectLine("MSG room2.tv.volume 7"));
  EXPECT_TRUE(two.expectLine("PONG 2"));

  TestClient star = connect();
  ASSERT_TRUE(star.send("SUB *\nSUB nothing.>\nPING 3\n"));
  EXPECT_TRUE(star.expectLine("MSG room1 top"));
  EXPECT_TRUE(star.expectLine("PONG 3"));
}

TEST_F(RetainedTest, APatternAlreadyHeldSendsNothingAgain) {
  ASSERT_TRUE(confirmed("RETAIN a.b 1\nRETAIN a.c 2\n"));
  TestClient sub = connect();
  ASSERT_TRUE(sub.send("SUB a.>\nPING 1\n"));
  EXPECT_TRUE(sub.expectLine("MSG a.b 1"));
  EXPECT_TRUE(sub.expectLine("MSG a.c 2"));
  EXPECT_TRUE(sub.expectLine("PONG 1"));
  ASSERT_TRUE(sub.send("SUB a.>\nPING 2\n"));
  EXPECT_TRUE(sub.expectLine("PONG 2"));
  // Beside a held one, a new pattern brings its own matches.
  ASSERT_TRUE(sub.send("SUB a.> a.c\nPING 3\n"));
  EXPECT_TRUE(sub.expectLine("MSG a.c 2"));
  EXPECT_TRUE(sub.expectLine("PONG 3"));
  // After UNSUB the pattern is new again.
  ASSERT_TRUE(sub.send("UNSUB a.>\nSUB a.>\nPING 4\n"));
  EXPECT_TRUE(sub.expectLine("MSG a.b 1"));
  EXPECT_TRUE(sub.expectLine("MSG a.c 2"));
  EXPECT_TRUE(sub.expectLine("PONG 4"));
}

TEST_F(RetainedTest, AnEmptyPayloadIsDeliveredAndClears) {
  TestClient live = connect();
  ASSERT_TRUE(subscribe(live, {"ch.>"}));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("RETAIN ch.a 1\nRETAIN ch.b 2\nRETAIN ch.a \nRETAIN ch.b\n"));
  ASSERT_TRUE(pub.ping());
  EXPECT_TRUE(live.expectLine("MSG ch.a 1"));
  EXPECT_TRUE(live.expectLine("MSG ch.b 2"));
  EXPECT_TRUE(live.expectLine("MSG ch.a "));
  EXPECT_TRUE(live.expectLine("MSG ch.b "));
  TestClient late = connect();
  ASSERT_TRUE(late.send("SUB ch.>\nPING x\n"));
  EXPECT_TRUE(late.expectLine("PONG x"));
  // A PUB neither keeps nor clears.
  ASSERT_TRUE(confirmed("RETAIN ch.c 3\nPUB ch.c 4\nPUB ch.c \n"));
  TestClient last = connect();
  ASSERT_TRUE(last.send("SUB ch.c\nPING y\n"));
  EXPECT_TRUE(last.expectLine("MSG ch.c 3"));
  EXPECT_TRUE(last.expectLine("PONG y"));
}

TEST_F(RetainedTest, ErrorsAreThoseOfPub) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("RETAIN\nRETAIN a..b 1\nRETAIN a.* 1\nRETAIN a.> 1\n"));
  EXPECT_TRUE(c.expectLine("-ERR missing channel"));
  EXPECT_TRUE(c.expectLine("-ERR invalid channel"));
  EXPECT_TRUE(c.expectLine("-ERR wildcard not allowed in PUB channel"));
  EXPECT_TRUE(c.expectLine("-ERR wildcard not allowed in PUB channel"));
  EXPECT_TRUE(c.ping());
}

TEST_F(RetainedTest, HttpRetainsTheLastLineReadsAndDeletes) {
  TestClient live = connect();
  ASSERT_TRUE(subscribe(live, {"room.x"}));
  auto r = exchange(post("/pub/room%2Ex?retain=1", "1\n2\n3\n\n"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"published\":3,\"delivered\":3}\n");
  EXPECT_TRUE(live.expectLine("MSG room.x 1"));
  EXPECT_TRUE(live.expectLine("MSG room.x 2"));
  EXPECT_TRUE(live.expectLine("MSG room.x 3"));

  auto got = exchange(get("/retained/room%2Ex"));
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, 200);
  EXPECT_EQ(got->body, "3");
  EXPECT_NE(got->headers.find("Content-Type: application/octet-stream"), std::string::npos) << got->headers;
  // The line protocol sees the same store.
  TestClient sub = connect();
  ASSERT_TRUE(sub.send("SUB room.x\nPING 1\n"));
  EXPECT_TRUE(sub.expectLine("MSG room.x 3"));
  EXPECT_TRUE(sub.expectLine("PONG 1"));

  // Without retain=1 (or with retain=0) nothing is kept.
  ASSERT_EQ(exchange(post("/pub/room.x", "4"))->status, 200);
  ASSERT_EQ(exchange(post("/pub/room.x?retain=0", "5"))->status, 200);
  EXPECT_EQ(exchange(get("/retained/room.x"))->body, "3");
  EXPECT_EQ(exchange(post("/pub/room.x?retain=yes", "6"))->status, 400);
  EXPECT_TRUE(live.expectLine("MSG room.x 4"));
  EXPECT_TRUE(live.expectLine("MSG room.x 5"));

  TestClient keep = http();
  ASSERT_TRUE(keep.send("DELETE /retained/room.x HTTP/1.1\r\nHost: t\r\n\r\n" + get("/retained/room.x") +
                        "HEAD /retained/room.x HTTP/1.1\r\nHost: t\r\n\r\n"));
  auto deleted = readResponse(keep);
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204);
  EXPECT_EQ(deleted->headers.find("Content-Length"), std::string::npos) << deleted->headers;
  auto missing = readResponse(keep);
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
  // A DELETE publishes nothing, and deleting what is not held is fine.
  EXPECT_TRUE(live.expectNothing());
  EXPECT_EQ(exchange("DELETE /retained/room.x HTTP/1.1\r\nHost: t\r\n\r\n")->status, 204);

  ASSERT_EQ(exchange(post("/pub/room.y?retain=1", "abc"))->status, 200);
  TestClient head = http();
  ASSERT_TRUE(head.send("HEAD /retained/room.y HTTP/1.1\r\nHost: t\r\n\r\n"));
  ASSERT_TRUE(head.expectLine("HTTP/1.1 200 OK\r"));
  ASSERT_TRUE(head.expectLine("Content-Type: application/octet-stream\r"));
  ASSERT_TRUE(head.expectLine("Content-Length: 3\r"));
  ASSERT_TRUE(head.expectLine("\r"));
  EXPECT_TRUE(head.expectNothing());

  EXPECT_EQ(exchange(get("/retained/a.*"))->status, 400);
  EXPECT_EQ(exchange(get("/retained/"))->status, 400);
  EXPECT_EQ(exchange(post("/retained/room.y", "x"))->status, 405);
}

TEST_F(RetainedTest, MetricsCountMessagesAndBytes) {
  ASSERT_TRUE(confirmed("RETAIN ab.cd xyz\nRETAIN e 12345\nRETAIN gone 1\nRETAIN gone\n"));
  auto metrics = exchange(get("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_NE(metrics->body.find("\nlinecast_retained_messages 2\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("\nlinecast_retained_bytes 14\n"), std::string::npos) << metrics->body;
  EXPECT_NE(metrics->body.find("# TYPE linecast_retained_bytes gauge"), std::string::npos);
  auto stats = exchange(get("/stats"));
  ASSERT_TRUE(stats);
  EXPECT_NE(stats->body.find("\"retained_messages\":2,"), std::string::npos) << stats->body;
  EXPECT_NE(stats->body.find("\"retained_bytes\":14,"), std::string::npos) << stats->body;
}

TEST_F(RetainedTest, RespSubscribersNeverGetRetainedMessages) {
  ASSERT_TRUE(confirmed("RETAIN news.a kept\n"));
  TestClient resp = connect();
  ASSERT_TRUE(resp.send(respCommand({"SUBSCRIBE", "news.a"}) + respCommand({"PSUBSCRIBE", "news.*"})));
  for (int k = 0; k < 12; ++k) ASSERT_TRUE(resp.readLine()) << k;  // the two confirmations
  ASSERT_TRUE(confirmed("PUB news.a live\n"));
  // The first message is the live one, once per matching subscription.
  EXPECT_TRUE(resp.expectLine("*3\r"));
  EXPECT_TRUE(resp.expectLine("$7\r"));
  EXPECT_TRUE(resp.expectLine("message\r"));
  EXPECT_TRUE(resp.expectLine("$6\r"));
  EXPECT_TRUE(resp.expectLine("news.a\r"));
  EXPECT_TRUE(resp.expectLine("$4\r"));
  EXPECT_TRUE(resp.expectLine("live\r"));
}

// A response head with this status line; its headers are skipped.
::testing::AssertionResult expectHead(TestClient& c, const std::string& status) {
  auto first = c.expectLine(status + "\r");
  if (!first) return first;
  for (int i = 0; i < 20; ++i) {
    auto line = c.readLine();
    if (!line) return ::testing::AssertionFailure() << "the head after " << status << " did not end";
    if (*line == "\r") return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "more than 20 headers after " << status;
}

// Server-Sent Events: the head, then the retained messages, then live ones.
TEST_F(RetainedTest, EventStreamGetsRetainedMessagesAfterItsHead) {
  ASSERT_TRUE(confirmed("RETAIN room1.tv.volume 42\nRETAIN room1.tv.power on\n"));
  TestClient stream = http();
  ASSERT_TRUE(stream.send(get("/sub/room1.tv.volume,room1.>")));
  ASSERT_TRUE(expectHead(stream, "HTTP/1.1 200 OK"));
  EXPECT_TRUE(stream.expectLine("data: room1.tv.volume 42"));
  EXPECT_TRUE(stream.expectLine(""));
  EXPECT_TRUE(stream.expectLine("data: room1.tv.power on"));
  EXPECT_TRUE(stream.expectLine(""));
  ASSERT_TRUE(confirmed("PUB room1.tv.volume 43\n"));
  EXPECT_TRUE(stream.expectLine("data: room1.tv.volume 43"));
  // A refused stream is still an HTTP error, with nothing before it.
  auto bad = exchange(get("/sub/a..b"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 400);
}

// A WebSocket client frame: FIN + text, masked (a client must mask).
std::string maskedText(std::string_view text) {
  std::string frame = "\x81";
  frame += static_cast<char>(0x80 | text.size());  // the tests' frames are under 126 bytes
  const char mask[4] = {0x12, 0x34, 0x56, 0x78};
  frame.append(mask, 4);
  for (std::size_t i = 0; i < text.size(); ++i) frame += static_cast<char>(text[i] ^ mask[i % 4]);
  return frame;
}

// One unfragmented server frame's payload (under 126 bytes).
std::optional<std::string> readWsMessage(TestClient& c) {
  auto header = c.readBytes(2);
  if (!header || (*header)[0] != '\x81' || ((*header)[1] & 0x80) != 0 || ((*header)[1] & 0x7f) >= 126) {
    return std::nullopt;
  }
  return c.readBytes(static_cast<std::size_t>((*header)[1] & 0x7f));
}

TEST_F(RetainedTest, WebSocketGetsRetainedMessagesAsMessages) {
  ASSERT_TRUE(confirmed("RETAIN room1.tv.volume 42\n"));
  TestClient ws = http();
  ASSERT_TRUE(ws.send("GET /ws HTTP/1.1\r\nHost: t\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"));
  ASSERT_TRUE(expectHead(ws, "HTTP/1.1 101 Switching Protocols"));
  ASSERT_TRUE(ws.send(maskedText("SUB room1.>\nRETAIN room1.lights on\nPING w")));
  EXPECT_EQ(readWsMessage(ws), "MSG room1.tv.volume 42");
  EXPECT_EQ(readWsMessage(ws), "MSG room1.lights on");  // its own RETAIN, delivered live
  EXPECT_EQ(readWsMessage(ws), "PONG w");
  TestClient sub = connect();
  ASSERT_TRUE(sub.send("SUB room1.lights\nPING 1\n"));
  EXPECT_TRUE(sub.expectLine("MSG room1.lights on"));
  EXPECT_TRUE(sub.expectLine("PONG 1"));
}

class RetainedLimitsTest : public RetainedTest {
 protected:
  std::vector<std::string> extraArgs() const override {
    return {"--max-retained", "2", "--max-retained-bytes", "20"};
  }
};

TEST_F(RetainedLimitsTest, OverALimitIsAnErrorAndNotPublished) {
  TestClient live = connect();
  ASSERT_TRUE(subscribe(live, {">"}));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("RETAIN a 1\nRETAIN b 1\nRETAIN c 1\nPING 1\n"));
  EXPECT_TRUE(pub.expectLine("-ERR too many retained messages"));
  EXPECT_TRUE(pub.expectLine("PONG 1"));
  // Replacing a held one is no new channel; 17 + 1 + 1 bytes fits 20.
  ASSERT_TRUE(pub.send("RETAIN a 12345678901234567\nRETAIN a 123456789012345678\nPING 2\n"));
  EXPECT_TRUE(pub.expectLine("-ERR too many retained messages"));
  EXPECT_TRUE(pub.expectLine("PONG 2"));
  // c and the 18-byte value were not published.
  EXPECT_TRUE(expectOnly(live, pub, "", {"MSG a 1", "MSG b 1", "MSG a 12345678901234567"}));

  auto over = exchange(post("/pub/d?retain=1", "x\ny"));
  ASSERT_TRUE(over);
  EXPECT_EQ(over->status, 507);
  EXPECT_NE(over->body.find("too many retained messages"), std::string::npos);
  // Clearing makes room; an empty RETAIN is never over a limit.
  ASSERT_TRUE(pub.send("RETAIN b\nPING 3\n"));
  EXPECT_TRUE(pub.expectLine("PONG 3"));
  EXPECT_EQ(exchange(post("/pub/d?retain=1", "x\ny"))->status, 200);
  EXPECT_TRUE(expectOnly(live, pub, "", {"MSG b ", "MSG d x", "MSG d y"}));
  EXPECT_EQ(exchange(get("/retained/d"))->body, "y");
}

class RetainedThreadsTest : public RetainedTest {
 protected:
  std::vector<std::string> extraArgs() const override { return {"--threads", "2"}; }
};

// Consecutive connections land on alternate threads: each RETAIN is
// stored on one and read by a SUB on another right after its PONG.
TEST_F(RetainedThreadsTest, ARetainIsVisibleOnEveryThreadAfterItsPong) {
  for (int i = 0; i < 20; ++i) {
    std::string value = std::to_string(i);
    TestClient pub = connect();
    TestClient sub = connect();
    ASSERT_TRUE(pub.send("RETAIN cross.t " + value + "\n"));
    ASSERT_TRUE(pub.ping(value));
    ASSERT_TRUE(sub.send("SUB cross.*\nPING " + value + "\n"));
    EXPECT_TRUE(sub.expectLine("MSG cross.t " + value)) << i;
    EXPECT_TRUE(sub.expectLine("PONG " + value)) << i;
  }
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

// Basic credentials of the users above.
constexpr const char* kBackend = "Authorization: Basic YmFja2VuZDpiYWNrZW5kLXB3\r\n";
constexpr const char* kTv = "Authorization: Basic dHY6dHYtcHc=\r\n";

class RetainedPermissionsTest : public RetainedTest {
 protected:
  std::vector<std::string> extraArgs() const override { return {"--users", users_.path()}; }
  testing_files::TempFile users_{kUsers};
};

TEST_F(RetainedPermissionsTest, RetainNeedsPublishAndSubSkipsDeniedChannels) {
  TestClient backend = connect();
  ASSERT_TRUE(backend.send("AUTH backend backend-pw\n"));
  ASSERT_TRUE(backend.expectLine("+OK"));
  ASSERT_TRUE(backend.send("RETAIN room1.admin.secret s\nRETAIN room1.tv.volume 5\nRETAIN room2.x 9\n"));
  ASSERT_TRUE(backend.ping());

  TestClient tv = connect();
  ASSERT_TRUE(tv.send("RETAIN room1.tv.volume 6\n"));
  EXPECT_TRUE(tv.expectLine("-ERR authentication required"));
  ASSERT_TRUE(tv.send("AUTH tv tv-pw\n"));
  ASSERT_TRUE(tv.expectLine("+OK"));
  ASSERT_TRUE(tv.send("RETAIN room2.x 10\nSUB room2.>\nSUB room1.>\nPING 1\n"));
  EXPECT_TRUE(tv.expectLine("-ERR permission denied for publish to room2.x"));
  EXPECT_TRUE(tv.expectLine("-ERR permission denied for subscription to room2.>"));
  // deny_subscribe: room1.admin.secret is matched and never sent.
  EXPECT_TRUE(tv.expectLine("MSG room1.tv.volume 5"));
  EXPECT_TRUE(tv.expectLine("PONG 1"));

  // GET needs subscribe permission (and no deny_subscribe), DELETE publish.
  EXPECT_EQ(exchange(get("/retained/room1.tv.volume"))->status, 401);
  EXPECT_EQ(exchange(get("/retained/room1.tv.volume", kTv))->body, "5");
  EXPECT_EQ(exchange(get("/retained/room1.admin.secret", kTv))->status, 403);
  EXPECT_EQ(exchange(get("/retained/room2.x", kTv))->status, 403);
  EXPECT_EQ(exchange(get("/retained/room2.x", kBackend))->body, "9");
  EXPECT_EQ(exchange("DELETE /retained/room1.admin.secret HTTP/1.1\r\nHost: t\r\n" + std::string(kTv) + "\r\n")->status,
            403);
  EXPECT_EQ(exchange(post("/pub/room2.x?retain=1", "11", kTv))->status, 403);
  EXPECT_EQ(exchange("DELETE /retained/room1.tv.volume HTTP/1.1\r\nHost: t\r\n" + std::string(kTv) + "\r\n")->status,
            204);
  EXPECT_EQ(exchange(get("/retained/room1.tv.volume", kBackend))->status, 404);
  EXPECT_EQ(exchange(get("/retained/room2.x", kBackend))->body, "9");
}

}  // namespace
}  // namespace linecast::test
