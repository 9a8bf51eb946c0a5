// SIGTERM: pending output is flushed (within --shutdown-grace), connections
// are closed, and the server exits with status 0.

#include <signal.h>

#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

class ShutdownTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--shutdown-grace", "5", "--max-outbuf", "33554432", "--max-line", "65536"};
  }
};

TEST_F(ShutdownTest, SigtermWithoutClientsExitsZero) {
  auto status = server_.stop(milliseconds(5000));
  ASSERT_TRUE(status.has_value()) << "no exit within 5 s of SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ShutdownTest, SigtermClosesIdleClientsAndExitsZeroPromptly) {
  TestClient a = connect();
  TestClient b = connect();
  ASSERT_TRUE(a.ping());
  ASSERT_TRUE(b.send("SUB x\n"));
  ASSERT_TRUE(b.ping());
  auto start = Clock::now();
  ASSERT_TRUE(server_.sendSignal(SIGTERM));
  EXPECT_TRUE(a.expectClosed());
  EXPECT_TRUE(b.expectClosed());
  auto status = server_.waitExit(milliseconds(5000));
  ASSERT_TRUE(status.has_value()) << "no exit within 5 s of SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
  // Nothing was pending: the grace period is an upper bound, not a wait.
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
}

TEST_F(ShutdownTest, SigtermFlushesPendingMessagesToASubscriber) {
  // 8 MB: more than the kernel's socket buffers can hold (they autotune up
  // to a few MiB), less than --max-outbuf, so much of it is still pending in
  // the server when SIGTERM arrives.
  constexpr int kCount = 8000;
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient sub = connect(tiny);
  TestClient pub = connect();
  ASSERT_TRUE(sub.send("SUB news\n"));
  ASSERT_TRUE(sub.ping());
  std::string payload = repeat('n', 1000);
  std::string batch;
  for (int i = 0; i < kCount; ++i) batch += "PUB news " + std::to_string(i) + " " + payload + "\n";
  ASSERT_TRUE(pub.send(batch));
  ASSERT_TRUE(pub.ping());  // every PUB is queued to the subscriber
  ASSERT_TRUE(server_.sendSignal(SIGTERM));

  for (int i = 0; i < kCount; ++i) {
    ASSERT_TRUE(sub.expectLine("MSG news " + std::to_string(i) + " " + payload)) << "message " << i;
  }
  EXPECT_TRUE(sub.expectClosed());
  EXPECT_TRUE(pub.expectClosed());
  auto status = server_.waitExit(milliseconds(8000));
  ASSERT_TRUE(status.has_value()) << "no exit after SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ShutdownTest, SigtermFlushesRepliesOfPipelinedCommands) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB a\nPUB a 1\nPING 2\n"));
  ASSERT_TRUE(c.expectLine("MSG a 1"));
  ASSERT_TRUE(c.expectLine("PONG 2"));
  ASSERT_TRUE(server_.sendSignal(SIGTERM));
  EXPECT_TRUE(c.expectClosed());
  auto status = server_.waitExit(milliseconds(5000));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ShutdownTest, SigtermDoesNotWaitOutTheGraceForConnectionsAlreadyClosedAfterAFatalError) {
  // Each client floods a line far over --max-line, reads the error and the
  // server's close, and closes too. The server may linger on the unread
  // flood for a while, but on SIGTERM there is nothing left to flush: the
  // grace is an upper bound for flushing, not a wait.
  for (int i = 0; i < 5; ++i) {
    TestClient c = connect();
    c.send(repeat('f', 4u << 20), milliseconds(2000));  // the server stops reading midway
    ASSERT_TRUE(c.expectLine("-ERR line too long (max 65536 bytes)")) << "client " << i;
    ASSERT_TRUE(c.expectClosed()) << "client " << i;
  }
  auto start = Clock::now();
  auto status = server_.stop(milliseconds(8000));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success()) << status->describe();
  EXPECT_LT(Clock::now() - start, milliseconds(3000)) << "waited for connections whose peers were gone";
}

class ShutdownGraceTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--shutdown-grace", "0.5", "--max-outbuf", "67108864"};
  }
};

// A subscriber that never reads, with 16 MB queued for it: past what the
// kernel's buffers take, under --max-outbuf 64 MiB. It holds a shutdown for
// the whole grace.
::testing::AssertionResult queueForAReaderThatNeverReads(TestClient& stuck, TestClient& pub) {
  auto sent = stuck.send("SUB s\n");
  if (sent) sent = stuck.ping();
  std::string batch;
  std::string payload = repeat('s', 500);
  for (int i = 0; i < 32'000; ++i) batch += "PUB s " + payload + "\n";
  if (sent) sent = pub.send(batch, milliseconds(20'000));
  if (sent) sent = pub.ping("queued", milliseconds(20'000));
  return sent;
}

TEST_F(ShutdownGraceTest, SubscriberThatNeverReadsDelaysExitAtMostTheGrace) {
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient stuck = connect(tiny);
  TestClient pub = connect();
  ASSERT_TRUE(queueForAReaderThatNeverReads(stuck, pub));
  auto start = Clock::now();
  ASSERT_TRUE(server_.sendSignal(SIGTERM));
  auto status = server_.waitExit(milliseconds(5000));
  ASSERT_TRUE(status.has_value()) << "the server waited more than 5 s for a reader that never reads";
  EXPECT_TRUE(status->success()) << status->describe();
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  EXPECT_GE(Clock::now() - start, milliseconds(300)) << "gave up before --shutdown-grace";
}

// While connections drain, every listening port refuses new ones: the
// main port and --http-port alike (both are rows of one listener table).
class ShutdownListenersTest : public ServerTest {
 protected:
  ShutdownListenersTest() : httpPort_(freePort()) {}
  std::vector<std::string> serverArgs() const override {
    return {"--shutdown-grace", "2", "--max-outbuf", "67108864", "--http-port",
            std::to_string(httpPort_)};
  }
  std::uint16_t httpPort_;
};

TEST_F(ShutdownListenersTest, EveryPortRefusesNewConnectionsWhileTheOpenOnesDrain) {
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient stuck = connect(tiny);
  TestClient pub = connect();
  ASSERT_TRUE(queueForAReaderThatNeverReads(stuck, pub));
  ASSERT_TRUE(server_.sendSignal(SIGTERM));
  // The stuck reader holds the server in its grace; both ports close first.
  bool mainRefused = false;
  bool httpRefused = false;
  for (int i = 0; i < 100 && !(mainRefused && httpRefused); ++i) {
    TestClient probe;
    mainRefused = mainRefused || !probe.connect(server_.port());
    TestClient httpProbe;
    httpRefused = httpRefused || !httpProbe.connect(httpPort_);
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(mainRefused) << "the main port still accepted during the drain";
  EXPECT_TRUE(httpRefused) << "--http-port still accepted during the drain";
  EXPECT_TRUE(server_.running()) << "the server did not wait for its draining reader";
  auto status = server_.waitExit(milliseconds(10'000));
  ASSERT_TRUE(status.has_value());
  EXPECT_TRUE(status->success()) << status->describe();
}

TEST_F(ShutdownGraceTest, HalfCloseFlushIsBoundedByTheGrace) {
  // A client half-closes after asking for ~16 MB of replies it never reads:
  // the server flushes for at most --shutdown-grace, then closes.
  TestClient::Options tiny;
  tiny.rcvbuf = 4096;
  TestClient c = connect(tiny);
  std::string text = repeat('h', 90);
  std::string batch;
  constexpr int kPings = 160'000;
  for (int i = 0; i < kPings; ++i) batch += "PING " + text + "\n";
  std::size_t expectedBytes = static_cast<std::size_t>(kPings) * ("PONG " + text + "\n").size();
  ASSERT_TRUE(c.send(batch, milliseconds(20'000)));
  c.shutdownWrite();
  std::this_thread::sleep_for(milliseconds(1500));  // three times the grace
  auto got = c.readUntilClosed(milliseconds(3000));
  ASSERT_TRUE(got.has_value()) << "the connection was still open 1.5 s after its EOF with --shutdown-grace 0.5";
  EXPECT_LT(got->size(), expectedBytes);
  // What did arrive is whole PONGs, possibly with a torn last one.
  std::string pong = "PONG " + text + "\n";
  std::size_t whole = got->size() / pong.size();
  for (std::size_t i = 0; i < whole; ++i) {
    ASSERT_EQ(got->compare(i * pong.size(), pong.size(), pong), 0) << "reply " << i;
  }
  ASSERT_EQ(got->compare(whole * pong.size(), std::string::npos, pong, 0, got->size() - whole * pong.size()), 0);
}

}  // namespace
}  // namespace linecast::test
