// Per-connection and per-server limits: --max-subs, --max-conns,
// --read-timeout, and the --max-outbuf / --max-line start-up check.

#include <string>
#include <thread>
#include <vector>

#include "server_test.h"
#include "tls_pass.h"

namespace linecast::test {
namespace {

class MaxSubsTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override { return {"--max-subs", "4"}; }
};

TEST_F(MaxSubsTest, SubOverTheLimitIsRefusedAndAddsNothing) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b"}));  // three with the sentinel
  ASSERT_TRUE(sub.send("SUB c d\n"));
  EXPECT_TRUE(sub.expectLine("-ERR too many subscriptions (max 4)"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB c 1\nPUB d 2\nPUB a 3\n", {"MSG a 3"}));
  // The fourth fits.
  ASSERT_TRUE(sub.send("SUB c\n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB c 4\n", {"MSG c 4"}));
  ASSERT_TRUE(sub.send("SUB d.>\n"));
  EXPECT_TRUE(sub.expectLine("-ERR too many subscriptions (max 4)"));
  // Non-fatal: the connection still works, and an UNSUB makes room.
  ASSERT_TRUE(sub.send("UNSUB a\nSUB d.>\n"));
  ASSERT_TRUE(sub.ping());
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 5\nPUB d.x 6\n", {"MSG d.x 6"}));
}

TEST_F(MaxSubsTest, PatternsAlreadyHeldDoNotCount) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a", "b", "c"}));  // four with the sentinel: full
  ASSERT_TRUE(sub.send("SUB a b\nSUB c c c\n"));
  ASSERT_TRUE(sub.ping("no error"));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a 1\n", {"MSG a 1"}));
}

TEST_F(MaxSubsTest, LimitIsPerConnection) {
  TestClient one = connect();
  TestClient two = connect();
  ASSERT_TRUE(subscribe(one, {"a", "b", "c"}));
  ASSERT_TRUE(subscribe(two, {"a", "b", "c"}));
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(one, pub, "PUB c x\n", {"MSG c x"}));
  EXPECT_TRUE(two.expectLine("MSG c x"));
}

class MaxConnsTest : public ServerTest {
 protected:
  static constexpr int kMaxConns = 3;
  std::vector<std::string> serverArgs() const override { return {"--max-conns", std::to_string(kMaxConns)}; }
};

TEST_F(MaxConnsTest, ExtraConnectionGetsTheErrorAndIsClosed) {
  if (tlsPass()) {
    GTEST_SKIP() << "the rejection is plaintext before a first byte could choose TLS (docs/PROTOCOL.md, TLS); "
                    "tests/tls covers it";
  }

  std::vector<TestClient> clients;
  for (int i = 0; i < kMaxConns; ++i) {
    clients.push_back(connect());
    ASSERT_TRUE(clients.back().ping(std::to_string(i)));  // accepted and registered
  }
  TestClient extra = connect();
  auto all = extra.readUntilClosed();
  ASSERT_TRUE(all.has_value()) << "the connection over --max-conns was not closed";
  EXPECT_EQ(escapeBytes(*all), escapeBytes("-ERR max number of clients reached\r\n"));

  // The others keep working.
  ASSERT_TRUE(subscribe(clients[0], {"a"}));
  EXPECT_TRUE(expectOnly(clients[0], clients[1], "PUB a still\n", {"MSG a still"}));
  EXPECT_TRUE(clients[2].ping("still"));
}

TEST_F(MaxConnsTest, ClosingAConnectionMakesRoom) {
  std::vector<TestClient> clients;
  for (int i = 0; i < kMaxConns; ++i) {
    clients.push_back(connect());
    ASSERT_TRUE(clients.back().ping());
  }
  ASSERT_TRUE(clients[0].send("QUIT\n"));
  ASSERT_TRUE(clients[0].expectLine("+OK bye"));
  ASSERT_TRUE(clients[0].expectClosed());
  clients[0].close();  // as any client does on EOF
  // The server notices the close at its own pace: retry until the deadline.
  bool served = false;
  const auto deadline = Clock::now() + kDefaultTimeout;
  while (!served && Clock::now() < deadline) {
    TestClient c;
    auto connected = c.connect(server_.port());
    if (!connected && tlsPass()) {
      // Still over the limit: the plaintext rejection line broke the handshake.
      std::this_thread::sleep_for(milliseconds(20));
      continue;
    }
    ASSERT_TRUE(connected);
    ASSERT_TRUE(c.send("PING room\n"));
    auto line = c.readLine();
    if (line && *line == "PONG room") {
      served = true;
    } else {
      ASSERT_TRUE(line.has_value() && *line == "-ERR max number of clients reached\r")
          << "got " << (line ? escapeBytes(*line) : std::string("nothing"));
      std::this_thread::sleep_for(milliseconds(20));
    }
  }
  EXPECT_TRUE(served);
}

class ReadTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override { return {"--read-timeout", "0.5"}; }
};

TEST_F(ReadTimeoutTest, PartialLineIsCutAfterTheTimeout) {
  TestClient c = connect();
  ASSERT_TRUE(c.ping());
  auto start = Clock::now();
  ASSERT_TRUE(c.send("PUB a no newline"));
  EXPECT_TRUE(c.expectLine("-ERR read timeout", milliseconds(5000)));
  EXPECT_TRUE(c.expectClosed());
  EXPECT_GE(Clock::now() - start, milliseconds(400)) << "cut before --read-timeout";
}

TEST_F(ReadTimeoutTest, PartialLineIsNotPublished) {
  TestClient sub = connect();
  TestClient slow = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  ASSERT_TRUE(slow.send("PUB a partial"));
  EXPECT_TRUE(slow.expectLine("-ERR read timeout", milliseconds(5000)));
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));
}

TEST_F(ReadTimeoutTest, SilentSubscriberIsNeverCut) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(sub.expectNothing(milliseconds(1500)));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a later\n", {"MSG a later"}));
}

TEST_F(ReadTimeoutTest, ConnectionThatNeverSentAnythingIsNotCut) {
  TestClient c = connect();
  EXPECT_TRUE(c.expectNothing(milliseconds(1200)));
  EXPECT_TRUE(c.ping());
}

TEST_F(ReadTimeoutTest, BytesArrivingKeepAPartialLineAlive) {
  // "Sent part of a line and nothing more for --read-timeout seconds": each
  // new byte restarts the wait, only silence counts.
  TestClient c = connect();
  ASSERT_TRUE(c.send("PING "));
  for (int i = 0; i < 6; ++i) {
    std::this_thread::sleep_for(milliseconds(200));
    ASSERT_TRUE(c.send("x"));
  }
  ASSERT_TRUE(c.send("\n"));
  EXPECT_TRUE(c.expectLine("PONG xxxxxx"));
}

class NoReadTimeoutTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override { return {"--read-timeout", "0"}; }
};

TEST_F(NoReadTimeoutTest, ZeroDisablesTheReadTimeout) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("PING part"));
  EXPECT_TRUE(c.expectNothing(milliseconds(1200)));
  ASSERT_TRUE(c.send("ial\n"));
  EXPECT_TRUE(c.expectLine("PONG partial"));
}

class StartupTest : public ServerTest {
 protected:
  bool startInSetUp() const override { return false; }
};

TEST_F(StartupTest, MaxOutbufBelowMaxLinePlus512RefusesToStart) {
  auto args = ServerProcess::withBaseArgs({"--max-line", "1024", "--max-outbuf", "1535"});
  auto status = server_.runToExit(args);
  ASSERT_TRUE(status.has_value()) << "the server started with --max-outbuf < --max-line + 512";
  EXPECT_TRUE(status->exited) << status->describe();
  EXPECT_NE(status->code, 0);
  EXPECT_EQ(server_.log().find("listening on"), std::string::npos) << server_.log();
}

TEST_F(StartupTest, MaxOutbufOfExactlyMaxLinePlus512Starts) {
  ASSERT_TRUE(server_.start({"--max-line", "1024", "--max-outbuf", "1536"}));
  TestClient c = connect();
  EXPECT_TRUE(c.ping());
}

TEST_F(StartupTest, DefaultMaxOutbufBelowALargeMaxLineRefusesToStart) {
  // The check also holds against the default --max-outbuf (8 MiB).
  auto args = ServerProcess::withBaseArgs({"--max-line", "16777216"});
  auto status = server_.runToExit(args);
  ASSERT_TRUE(status.has_value()) << "the server started with --max-line over the default --max-outbuf";
  EXPECT_TRUE(status->exited) << status->describe();
  EXPECT_NE(status->code, 0);
}

}  // namespace
}  // namespace linecast::test
