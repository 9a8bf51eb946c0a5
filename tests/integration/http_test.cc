// The HTTP API on --http-port (docs/PROTOCOL.md, "HTTP API"): publishing,
// status codes, keep-alive, bearer auth, metrics, and slow clients.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

#include "http_client.h"
#include "server_test.h"

namespace linecast::test {
namespace {

class HttpTest : public ServerTest {
 protected:
  HttpTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    return {"--http-port", std::to_string(httpPort_), "--max-line", "1024", "--max-outbuf", "65536",
            "--read-timeout", "0.5"};
  }
  TestClient http() { return httpClient(httpPort_); }
  std::optional<Response> exchange(const std::string& request) { return exchangeOn(httpPort_, request); }
  std::uint16_t httpPort_;
};

TEST_F(HttpTest, PostPublishesOneMessagePerNonEmptyLineInOrder) {
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"room1.>"}));
  auto r = exchange(post("/pub/room1.tv.volume", "41\n\n  \r\nhello world\r\nlast"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"published\":4,\"delivered\":4}\n");
  EXPECT_NE(r->headers.find("Content-Type: application/json"), std::string::npos);
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.volume 41"));
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.volume   "));
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.volume hello world"));
  EXPECT_TRUE(sub.expectLine("MSG room1.tv.volume last"));
}

TEST_F(HttpTest, EmptyBodyPublishesNothing) {
  auto r = exchange(post("/pub/a", ""));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"published\":0,\"delivered\":0}\n");
}

// "published" counts the messages, "delivered" the subscribers they reached
// (issue 18: a Redis user expects PUBLISH's receiver count).
TEST_F(HttpTest, DeliveredCountsTheSubscribersEachMessageReached) {
  TestClient exact = connect();
  TestClient wildcard = connect();
  TestClient other = connect();
  ASSERT_TRUE(subscribe(exact, {"room1.lights"}));
  ASSERT_TRUE(subscribe(wildcard, {"room1.*"}));
  ASSERT_TRUE(subscribe(other, {"room2.lights"}));
  auto r = exchange(post("/pub/room1.lights", "on\noff\nauto"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "{\"published\":3,\"delivered\":6}\n");
  auto none = exchange(post("/pub/room3.lights", "on"));
  ASSERT_TRUE(none);
  EXPECT_EQ(none->body, "{\"published\":1,\"delivered\":0}\n");
}

TEST_F(HttpTest, ChannelIsPercentDecodedUpToTheQuery) {
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"room.1"}));
  auto r = exchange(post("/pub/room%2E1?ignored=yes", "x"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_TRUE(sub.expectLine("MSG room.1 x"));
}

TEST_F(HttpTest, StatusCodes) {
  EXPECT_EQ(exchange(post("/pub/a..b", "x"))->status, 400);
  EXPECT_EQ(exchange(post("/pub/a.*", "x"))->status, 400);
  EXPECT_EQ(exchange(post("/pub/a.>", "x"))->status, 400);
  EXPECT_EQ(exchange(post("/pub/bad%zz", "x"))->status, 400);
  EXPECT_EQ(exchange(post("/pub/", "x"))->status, 400);
  EXPECT_EQ(exchange(get("/nope"))->status, 404);
  EXPECT_EQ(exchange(get("/pub/a"))->status, 405);
  EXPECT_EQ(exchange(post("/metrics", ""))->status, 405);
  EXPECT_EQ(exchange("POST /pub/a HTTP/1.1\r\nHost: t\r\n\r\n")->status, 411);
  EXPECT_EQ(exchange("POST /pub/a HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n")->status, 411);
  EXPECT_EQ(exchange("POST /pub/a HTTP/1.1\r\nHost: t\r\nContent-Length: 1025\r\n\r\n")->status, 413);
  EXPECT_EQ(exchange(post("/pub/a", std::string(1024, 'x')))->status, 200);
  EXPECT_EQ(exchange("BLAH\r\n\r\n")->status, 400);
}

TEST_F(HttpTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"k"}));
  TestClient c = http();
  ASSERT_TRUE(c.send(post("/pub/k", "1") + post("/pub/k", "2")));
  for (int i = 0; i < 2; ++i) {
    auto r = readResponse(c);
    ASSERT_TRUE(r) << i;
    EXPECT_EQ(r->status, 200);
  }
  ASSERT_TRUE(c.send(get("/healthz")));
  auto r = readResponse(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 200);
  EXPECT_EQ(r->body, "ok\n");
  EXPECT_TRUE(sub.expectLine("MSG k 1"));
  EXPECT_TRUE(sub.expectLine("MSG k 2"));
}

TEST_F(HttpTest, MetricsAndStatsCountWhatHappened) {
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"m"}));
  ASSERT_EQ(exchange(post("/pub/m", "a\nb"))->status, 200);
  ASSERT_TRUE(sub.expectLine("MSG m a"));
  auto metrics = exchange(get("/metrics"));
  ASSERT_TRUE(metrics);
  EXPECT_EQ(metrics->status, 200);
  EXPECT_NE(metrics->headers.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
  for (const char* name :
       {"linecast_connections ", "linecast_connections_total ", "linecast_messages_published_total 2",
        "linecast_messages_delivered_total 2", "linecast_bytes_in_total ", "linecast_bytes_out_total ",
        "linecast_subscriptions 2", "linecast_slow_consumers_total 0", "linecast_protocol_errors_total 0",
        "linecast_http_requests_total{code=\"200\"} 1", "linecast_build_info{version=\""}) {
    EXPECT_NE(metrics->body.find(name), std::string::npos) << name << " in\n" << metrics->body;
  }
  auto stats = exchange(get("/stats"));
  ASSERT_TRUE(stats);
  EXPECT_EQ(stats->status, 200);
  EXPECT_NE(stats->body.find("\"messages_published_total\":2"), std::string::npos) << stats->body;
  EXPECT_NE(stats->body.find("\"http_requests_total\":{\"200\":2}"), std::string::npos) << stats->body;
}

TEST_F(HttpTest, HeaderThatNeverEndsGets408AndIsClosed) {
  TestClient c = http();
  ASSERT_TRUE(c.send("POST /pub/a HTTP/1.1\r\nHost: t\r\nX-Slow: "));
  auto r = readResponse(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.expectClosed());
  // The line protocol is unaffected.
  TestClient other = connect();
  EXPECT_TRUE(other.ping());
}

TEST_F(HttpTest, BodyThatNeverArrivesGets408) {
  TestClient c = http();
  ASSERT_TRUE(c.send("POST /pub/a HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\nabc"));
  auto r = readResponse(c);
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 408);
  EXPECT_TRUE(c.expectClosed());
}

class HttpAuthTest : public HttpTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    auto args = HttpTest::serverArgs();
    args.insert(args.end(), {"--auth-token", "s3cret"});
    return args;
  }
};

TEST_F(HttpAuthTest, BearerTokenIsRequiredExceptForHealthz) {
  EXPECT_EQ(exchange(post("/pub/a", "x"))->status, 401);
  EXPECT_EQ(exchange(post("/pub/a", "x", "Authorization: Bearer wrong\r\n"))->status, 401);
  EXPECT_EQ(exchange(get("/metrics"))->status, 401);
  // 401 comes before any other status.
  EXPECT_EQ(exchange(get("/nope"))->status, 401);
  EXPECT_EQ(exchange(get("/pub/a"))->status, 401);
  EXPECT_EQ(exchange(get("/healthz"))->status, 200);
  EXPECT_EQ(exchange(post("/pub/a", "x", "Authorization: Bearer s3cret\r\n"))->status, 200);
  EXPECT_EQ(exchange(get("/nope", "Authorization: Bearer s3cret\r\n"))->status, 404);
}

}  // namespace
}  // namespace linecast::test
