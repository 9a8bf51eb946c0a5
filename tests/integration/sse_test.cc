// Server-Sent Events at GET /sub/<pattern>[,<pattern>...] on --http-port
// (docs/PROTOCOL.md, "WebSocket, Server-Sent Events, console page"): a raw
// TCP client reads the stream; one test runs the real `curl -N`.

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "server_test.h"
#include "tls_pass.h"
#include "ws_test_client.h"

namespace linecast::test {
namespace {

constexpr std::string_view kSseGauge = "linecast_connections{protocol=\"sse\"}";

std::string get(std::string_view target, std::string_view extra = "") {
  return "GET " + std::string(target) + " HTTP/1.1\r\nHost: t\r\n" + std::string(extra) + "\r\n";
}

// The next event must be `data: <text>` (one line per entry of `lines`)
// and the blank line that ends it.
::testing::AssertionResult expectEvent(TestClient& c, std::initializer_list<std::string_view> lines,
                                       milliseconds timeout = kDefaultTimeout) {
  for (std::string_view line : lines) {
    auto got = c.expectLine("data: " + std::string(line), timeout);
    if (!got) return got;
  }
  return c.expectLine("", timeout);
}

class SseTest : public ServerTest {
 protected:
  SseTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    std::vector<std::string> args = {"--http-port", std::to_string(httpPort_), "--max-line", "1024",
                                     "--max-outbuf", "65536", "--max-subs", "3"};
    auto more = moreArgs();
    args.insert(args.end(), more.begin(), more.end());
    return args;
  }
  virtual std::vector<std::string> moreArgs() const { return {}; }

  // A stream that answered 200 with the event-stream headers (the
  // subscription is in place once they are read).
  TestClient stream(std::string_view target, std::string_view extra = "") {
    TestClient c;
    EXPECT_TRUE(c.connect(httpPort_));
    EXPECT_TRUE(c.send(get(target, extra)));
    auto r = readHttpResponse(c);
    EXPECT_TRUE(r) << "no response to GET " << target;
    if (r) {
      EXPECT_EQ(r->status, 200) << target << ": " << r->headers << r->body;
      EXPECT_TRUE(r->hasHeader("Content-Type: text/event-stream")) << r->headers;
      EXPECT_TRUE(r->hasHeader("Cache-Control: no-cache")) << r->headers;
    }
    return c;
  }

  // The status of the response to a request (its status line only: a
  // HEAD's answer has a Content-Length but no body).
  int statusOf(std::string_view request) {
    TestClient c;
    EXPECT_TRUE(c.connect(httpPort_));
    EXPECT_TRUE(c.send(request));
    auto line = c.readLine();
    EXPECT_TRUE(line) << "no response to " << escapeBytes(request);
    if (!line || line->rfind("HTTP/1.1 ", 0) != 0 || line->size() < 12) return 0;
    return std::stoi(line->substr(9, 3));
  }

  std::uint16_t httpPort_;
};

TEST_F(SseTest, EventsForMatchingPublishesFromLineHttpAndWebSocket) {
  TestClient s = stream("/sub/news.*");
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB other x\nPUB news.a.b no\nPUB news.tcp from tcp\n"));
  EXPECT_TRUE(expectEvent(s, {"news.tcp from tcp"}));
  auto r = httpExchange(httpPort_, "POST /pub/news.http HTTP/1.1\r\nHost: t\r\nContent-Length: 8\r\n\r\none\r\ntwo");
  ASSERT_TRUE(r);
  EXPECT_EQ(r->body, "{\"published\":2,\"delivered\":2}\n");
  EXPECT_TRUE(expectEvent(s, {"news.http one"}));
  EXPECT_TRUE(expectEvent(s, {"news.http two"}));
  WsTestClient ws;
  ASSERT_TRUE(ws.connect(httpPort_));
  ASSERT_TRUE(ws.sendBinary("PUB news.ws h\xc3\xa9 \xff"));
  EXPECT_TRUE(expectEvent(s, {"news.ws h\xc3\xa9 \xff"}));
  EXPECT_TRUE(s.expectNothing());
}

TEST_F(SseTest, SeveralPatternsInOneStream) {
  TestClient s = stream("/sub/a.*,b");
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB a.x 1\nPUB a 2\nPUB b.c 3\nPUB a.y.z 4\nPUB b 5\n"));
  EXPECT_TRUE(expectEvent(s, {"a.x 1"}));
  EXPECT_TRUE(expectEvent(s, {"b 5"}));
  // Overlapping patterns deliver a message once.
  TestClient both = stream("/sub/c.>,c.*,c.d");
  ASSERT_TRUE(pub.send("PUB c.d once\nPUB c.e.f deep\n"));
  EXPECT_TRUE(expectEvent(both, {"c.d once"}));
  EXPECT_TRUE(expectEvent(both, {"c.e.f deep"}));
}

TEST_F(SseTest, PatternsArePercentDecoded) {
  TestClient s = stream("/sub/a.%3E?ignored=1");
  TestClient lower = stream("/sub/%62.%2a");  // b.*
  // Split at literal commas first, so %2C is a comma inside a pattern.
  TestClient comma = stream("/sub/x%2Cy");
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB a 0\nPUB a.x.y 1\nPUB b.q 2\nPUB x 3\nPUB x,y 4\n"));
  EXPECT_TRUE(expectEvent(s, {"a.x.y 1"}));
  EXPECT_TRUE(expectEvent(lower, {"b.q 2"}));
  EXPECT_TRUE(expectEvent(comma, {"x,y 4"}));
}

TEST_F(SseTest, InvalidPatternOrTooManyGets400) {
  for (std::string target : {"/sub/", "/sub/a..b", "/sub/a.>.b", "/sub/a,", "/sub/,a", "/sub/bad%zz", "/sub/a%20b"}) {
    EXPECT_EQ(statusOf(get(target)), 400) << target;
  }
  // --max-subs 3.
  auto r = httpExchange(httpPort_, get("/sub/a,b,c,d"));
  ASSERT_TRUE(r);
  EXPECT_EQ(r->status, 400);
  EXPECT_NE(r->body.find("too many subscriptions"), std::string::npos) << r->body;
  TestClient three = stream("/sub/a,b,c");
  // No refused stream was subscribed to anything.
  EXPECT_TRUE(waitForMetric(httpPort_, "linecast_subscriptions", 3));
  EXPECT_EQ(metricValue(httpPort_, kSseGauge), 1);
}

TEST_F(SseTest, OnlyGet) {
  EXPECT_EQ(statusOf("POST /sub/x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"), 405);
  EXPECT_EQ(statusOf("PUT /sub/x HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"), 405);
  EXPECT_EQ(statusOf("HEAD /sub/x HTTP/1.1\r\nHost: t\r\n\r\n"), 405);
  EXPECT_EQ(metricValue(httpPort_, "linecast_subscriptions"), 0);
}

TEST_F(SseTest, CarriageReturnStartsANewDataLine) {
  TestClient s = stream("/sub/cr");
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB cr one\rtwo\r\rthree\nPUB cr \rlead\n"));
  EXPECT_TRUE(expectEvent(s, {"cr one", "two", "", "three"}));
  EXPECT_TRUE(expectEvent(s, {"cr ", "lead"}));
}

TEST_F(SseTest, WhatTheClientSendsIsIgnored) {
  TestClient s = stream("/sub/i");
  ASSERT_TRUE(s.send("GET /healthz HTTP/1.1\r\nHost: t\r\n\r\nPUB i x\n"));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB i real\n"));
  EXPECT_TRUE(expectEvent(s, {"i real"}));
}

TEST_F(SseTest, GaugeCountsOpenStreams) {
  EXPECT_EQ(metricValue(httpPort_, kSseGauge), 0);
  {
    TestClient a = stream("/sub/g");
    TestClient b = stream("/sub/g.>");
    EXPECT_EQ(metricValue(httpPort_, kSseGauge), 2);
    auto stats = httpExchange(httpPort_, get("/stats"));
    ASSERT_TRUE(stats);
    EXPECT_NE(stats->body.find("\"sse\":2"), std::string::npos) << stats->body;
    TestClient resp = connect();
    auto text = respClientList(resp);
    ASSERT_TRUE(text) << "no CLIENT LIST reply";
    EXPECT_NE(text->find("sub=1 psub=0"), std::string::npos) << *text;
    EXPECT_NE(text->find("sub=0 psub=1"), std::string::npos) << *text;
    EXPECT_NE(text->find("protocol=sse"), std::string::npos) << *text;
  }
  EXPECT_TRUE(waitForMetric(httpPort_, kSseGauge, 0));
  EXPECT_TRUE(waitForMetric(httpPort_, "linecast_subscriptions", 0));
}

class SseKeepaliveTest : public SseTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--sse-keepalive", "0.3"}; }
};

TEST_F(SseKeepaliveTest, SilentStreamGetsKeepaliveComments) {
  auto start = Clock::now();
  TestClient s = stream("/sub/quiet");
  for (int i = 0; i < 2; ++i) {
    EXPECT_TRUE(s.expectLine(": keepalive", milliseconds(3000))) << i;
    EXPECT_TRUE(s.expectLine("", milliseconds(100))) << i;
  }
  auto elapsed = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
  EXPECT_GE(elapsed.count(), 500) << "two keepalives 0.3 s apart came too soon";
  // Events still flow between them.
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB quiet x\n"));
  for (int i = 0; i < 5; ++i) {
    auto line = s.readLine();
    ASSERT_TRUE(line);
    if (*line == ": keepalive" || line->empty()) continue;
    EXPECT_EQ(*line, "data: quiet x");
    EXPECT_TRUE(s.expectLine(""));
    break;
  }
}

TEST_F(SseTest, NoKeepaliveSoonWithTheDefault15Seconds) {
  TestClient s = stream("/sub/quiet");
  EXPECT_TRUE(s.expectNothing(milliseconds(1500)));
}

class SseAuthTest : public SseTest {
 protected:
  std::vector<std::string> moreArgs() const override { return {"--auth-token", "T0k3n"}; }
};

TEST_F(SseAuthTest, CredentialsAreRequired) {
  for (std::string_view request :
       {std::string_view("GET /sub/a HTTP/1.1\r\nHost: t\r\n\r\n"),
        std::string_view("GET /sub/a?token=wrong HTTP/1.1\r\nHost: t\r\n\r\n"),
        std::string_view("GET /sub/a HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer wrong\r\n\r\n")}) {
    auto r = httpExchange(httpPort_, request);
    ASSERT_TRUE(r) << request;
    EXPECT_EQ(r->status, 401) << escapeBytes(request);
    EXPECT_TRUE(r->hasHeader("WWW-Authenticate: Bearer")) << r->headers;
  }
  EXPECT_EQ(statusOf("POST /sub/a HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n"), 401) << "401 first";
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("AUTH T0k3n\n"));
  ASSERT_TRUE(pub.expectLine("+OK"));
  TestClient byQuery = stream("/sub/a?token=T0k3n");
  TestClient byHeader = stream("/sub/a", "Authorization: Bearer T0k3n\r\n");
  ASSERT_TRUE(pub.send("PUB a x\n"));
  EXPECT_TRUE(expectEvent(byQuery, {"a x"}));
  EXPECT_TRUE(expectEvent(byHeader, {"a x"}));
}

// A child process whose stdout the test reads line by line with deadlines;
// the destructor kills it (by its PID) and reaps it.
class Child {
 public:
  ~Child() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    if (out_ >= 0) ::close(out_);
  }

  ::testing::AssertionResult start(std::vector<std::string> args) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return ::testing::AssertionFailure() << "pipe2";
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    pid_t parent = ::getpid();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(127);
      ::dup2(fds[1], 1);
      int null = ::open("/dev/null", O_WRONLY);
      if (null >= 0) ::dup2(null, 2);
      ::execvp(argv[0], argv.data());
      ::_exit(127);
    }
    ::close(fds[1]);
    out_ = fds[0];
    if (pid_ < 0) return ::testing::AssertionFailure() << "fork";
    ::fcntl(out_, F_SETFL, O_NONBLOCK);
    return ::testing::AssertionSuccess();
  }

  // The next line of its stdout without the '\n'; nullopt on timeout or EOF.
  std::optional<std::string> readLine(milliseconds timeout = kDefaultTimeout) {
    auto deadline = Clock::now() + timeout;
    for (int i = 0; i < 100'000; ++i) {
      if (auto nl = buffer_.find('\n'); nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return line;
      }
      char chunk[4096];
      ssize_t n = ::read(out_, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      if (n == 0 || (errno != EAGAIN && errno != EINTR)) return std::nullopt;
      int wait = msUntil(deadline);
      if (wait == 0) return std::nullopt;
      pollfd p{out_, POLLIN, 0};
      ::poll(&p, 1, wait);
    }
    return std::nullopt;
  }

  std::string unread() const { return buffer_; }

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string buffer_;
};

// The issue's own example: `curl -N` shows the events as they come.
TEST_F(SseTest, CurlNoBufferShowsEventsLive) {
  std::string url = std::string(tlsPass() ? "https" : "http") + "://127.0.0.1:" + std::to_string(httpPort_) +
                    "/sub/curl.*";
  Child curl;
  ASSERT_TRUE(curl.start({"curl", "-sS", "-N", "-i", "-k", "--max-time", "30", url}));
  // curl holds the headers (-i) until the body's first bytes, so the
  // gauge says when the stream (subscribed before its 200) is open.
  ASSERT_TRUE(waitForMetric(httpPort_, kSseGauge, 1));
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB curl.live event 0\n"));
  auto status = curl.readLine();
  ASSERT_TRUE(status) << "curl printed nothing: " << escapeBytes(curl.unread());
  EXPECT_EQ(*status, "HTTP/1.1 200 OK\r");
  bool sawType = false;
  for (int i = 0; i < 20; ++i) {
    auto line = curl.readLine();
    ASSERT_TRUE(line) << "the headers did not end";
    if (*line == "\r") break;
    sawType = sawType || *line == "Content-Type: text/event-stream\r";
  }
  EXPECT_TRUE(sawType);
  for (int i = 0; i < 3; ++i) {
    if (i > 0) {
      ASSERT_TRUE(pub.send("PUB curl.live event " + std::to_string(i) + "\n"));
    }
    // Each event shows before the next is published: -N buffers nothing.
    EXPECT_EQ(curl.readLine(), "data: curl.live event " + std::to_string(i)) << i;
    EXPECT_EQ(curl.readLine(), "") << i;
  }
  EXPECT_EQ(metricValue(httpPort_, kSseGauge), 1);
}

}  // namespace
}  // namespace linecast::test
