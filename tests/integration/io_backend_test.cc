// The --io option and the io_uring backend's own edges (broker/uring_loop.*):
// an output ring that regrows under a send still in flight, more readable
// connections than provided buffers (-ENOBUFS ends multishot recvs, which
// are re-armed), a peer gone with a send in flight, and a shutdown that
// has to cancel one. The rest of the suite runs on both backends already.

#include <signal.h>
#include <sys/resource.h>

#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fault_helpers.h"
#include "server_test.h"

namespace linecast::test {
namespace {

TEST(IoOptionTest, AnUnknownBackendRefusesToStart) {
  ServerProcess server;
  auto status = server.runToExit({"--port", "0", "--http-port", "0", "--io", "kqueue"});
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2) << status->describe();
  EXPECT_NE(server.log().find("--io must be epoll or uring"), std::string::npos) << server.log();
}

#ifndef LINECAST_IO_URING

TEST(IoOptionTest, UringOnABuildWithoutItRefusesToStart) {
  ServerProcess server;
  auto status = server.runToExit({"--port", "0", "--http-port", "0", "--io", "uring"});
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code, 2) << status->describe();
  EXPECT_NE(server.log().find("no io_uring backend"), std::string::npos) << server.log();
}

#else

std::string numbered(int i, std::size_t size) {
  char head[16];
  std::snprintf(head, sizeof head, "%08d", i);
  std::string p(head);
  p.resize(size, 'p');
  return p;
}

class UringBackendTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--io", "uring", "--max-line", "4096", "--max-outbuf", "8MiB"};
  }
};

TEST_F(UringBackendTest, LogsItsBackend) {
  EXPECT_NE(server_.log().find("io backend: io_uring"), std::string::npos) << server_.log();
}

TEST_F(UringBackendTest, OutputRingRegrowsUnderASendInFlightWithoutLosingAByte) {
  // The subscriber does not read: once the kernel's socket buffers (up to
  // 4 MiB here) are full, a send stays in the kernel while megabytes queue
  // behind it, doubling the output ring. The block that send reads must
  // outlive every regrow (RingBuffer::pin); freed, its bytes would be
  // garbage or another connection's.
  constexpr int kMessages = 7000;
  constexpr std::size_t kSize = 1000;
  TestClient sub = connect({.rcvbuf = 4096});
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"big"}));
  std::string batch;
  for (int i = 0; i < kMessages; ++i) batch += "PUB big " + numbered(i, kSize) + "\n";
  ASSERT_TRUE(pub.send(batch, milliseconds(20'000)));
  ASSERT_TRUE(pub.ping("published", milliseconds(20'000)));
  for (int i = 0; i < kMessages; ++i) {
    auto line = sub.readLine(milliseconds(10'000));
    ASSERT_TRUE(line.has_value()) << "message " << i << " missing";
    ASSERT_EQ(*line, "MSG big " + numbered(i, kSize)) << "message " << i;
  }
  EXPECT_TRUE(sub.ping());
}

class UringDebugLogTest : public UringBackendTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    auto args = UringBackendTest::serverArgs();
    // One reactor thread: all the connections share one set of provided
    // buffers, so there are more of them than buffers.
    args.insert(args.end(), {"--log-level", "debug", "--threads", "1"});
    return args;
  }
};

TEST_F(UringDebugLogTest, MoreReadableConnectionsThanProvidedBuffersAreAllServed) {
  // The backend has 1024 provided buffers. With the server stopped, 1500
  // connections each get a command; when it resumes, every multishot recv
  // wants a buffer at once, the ones left without end with -ENOBUFS and
  // must be re-armed, or those connections would never be read again.
  constexpr int kClients = 1500;
  rlimit lim{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
  lim.rlim_cur = lim.rlim_max;
  ::setrlimit(RLIMIT_NOFILE, &lim);
  if (lim.rlim_cur < kClients + 200) GTEST_SKIP() << "descriptor limit too low";
  std::vector<TestClient> clients;
  for (int i = 0; i < kClients; ++i) {
    clients.push_back(connect());
    ASSERT_TRUE(clients.back().isOpen()) << i;
  }
  ASSERT_TRUE(clients.back().ping("all connected", milliseconds(20'000)));
  ASSERT_TRUE(server_.sendSignal(SIGSTOP));
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(clients[i].send("PING c" + std::to_string(i) + "\n")) << i;
  }
  ASSERT_TRUE(server_.sendSignal(SIGCONT));
  for (int i = 0; i < kClients; ++i) {
    ASSERT_TRUE(clients[i].expectLine("PONG c" + std::to_string(i), milliseconds(20'000))) << i;
  }
  // And every connection still reads: the re-armed recvs stay armed.
  for (int i = 0; i < kClients; i += 97) ASSERT_TRUE(clients[i].ping("again")) << i;
  EXPECT_NE(server_.log().find("ran out of provided buffers; re-armed"), std::string::npos)
      << "the test did not reach -ENOBUFS";
}

TEST_F(UringBackendTest, PeerResetWithASendInFlightFreesTheConnection) {
  std::size_t baseline = fdCount(server_.pid());
  {
    TestClient sub = connect({.rcvbuf = 4096});
    TestClient pub = connect();
    ASSERT_TRUE(subscribe(sub, {"gone"}));
    std::string batch;
    for (int i = 0; i < 7000; ++i) batch += "PUB gone " + numbered(i, 1000) + "\n";
    ASSERT_TRUE(pub.send(batch, milliseconds(20'000)));
    ASSERT_TRUE(pub.ping("published", milliseconds(20'000)));
    sub.setLingerZero();  // close() sends a reset under the pending send
    sub.close();
    ASSERT_TRUE(pub.ping("after the reset"));
  }
  // Both connections go, with their descriptors (the cancelled send held
  // the socket, not the descriptor).
  bool back = false;
  for (int i = 0; i < 250 && !back; ++i) {
    back = fdCount(server_.pid()) == baseline;
    if (!back) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(back) << fdCount(server_.pid()) << " descriptors, " << baseline << " before";
  TestClient c = connect();
  EXPECT_TRUE(c.ping("still serving"));
}

class UringShortGraceTest : public UringBackendTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    auto args = UringBackendTest::serverArgs();
    args.insert(args.end(), {"--shutdown-grace", "1"});
    return args;
  }
};

TEST_F(UringShortGraceTest, ShutdownCutsASendInFlightAndExitsZero) {
  TestClient sub = connect({.rcvbuf = 4096});
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"stuck"}));
  std::string batch;
  for (int i = 0; i < 7000; ++i) batch += "PUB stuck " + numbered(i, 1000) + "\n";
  ASSERT_TRUE(pub.send(batch, milliseconds(20'000)));
  ASSERT_TRUE(pub.ping("published", milliseconds(20'000)));
  // The subscriber never reads: the 1 s grace runs out with its send in
  // the kernel, which the teardown must cancel and wait for.
  auto started = Clock::now();
  auto status = server_.stop(milliseconds(10'000));
  ASSERT_TRUE(status.has_value()) << "no exit within 10 s of SIGTERM";
  EXPECT_TRUE(status->success()) << status->describe();
  // It waited for the grace period (the send was stuck), then no longer.
  EXPECT_GE(Clock::now() - started, milliseconds(900));
  EXPECT_LT(Clock::now() - started, milliseconds(4000));
}

#endif

}  // namespace
}  // namespace linecast::test
