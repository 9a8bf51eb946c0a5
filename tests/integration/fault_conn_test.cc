// Faults on single connections, many at once: a client process killed in
// the middle of a write, slowloris lines (line protocol and RESP) among
// silent subscribers, and crowds of half-closed sockets.

#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "fault_helpers.h"
#include "server_test.h"
#include "tls_pass.h"

namespace linecast::test {
namespace {

class FaultConnTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    // The killed writer streams as fast as the broker reads, faster than
    // the test's line-by-line reader: a big output limit keeps that reader
    // from being cut as a slow consumer, which is not what is tested here.
    return {"--read-timeout", "0.5", "--max-line", "65536", "--max-outbuf", "512MiB"};
  }
};

TEST_F(FaultConnTest, ClientProcessKilledMidWriteLeavesNoTornMessage) {
  if (tlsPass()) GTEST_SKIP() << "the child writes raw bytes on the socket, which a TLS session cannot take";
  // A child process streams numbered PUBs in writes cut at odd places and
  // is SIGKILLed mid-stream: the kernel closes its socket with part of a
  // line sent. The subscriber gets a gap-free prefix and no torn line.
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"k"}));
  TestClient victim = connect();
  int fd = victim.fd();
  // The subscriber keeps up while the child streams (or it would be cut as
  // a slow consumer): every line whole and in order, until it goes quiet.
  long next = 0;
  std::string error;
  std::thread reader([&] {
    for (;;) {
      auto line = sub.readLine(milliseconds(1500));
      if (!line) return;
      if (*line != "MSG k " + std::to_string(next) + " " + std::string(40, 'k')) {
        error = "after " + std::to_string(next) + ": " + escapeBytes(*line);
        return;
      }
      ++next;
    }
  });
  pid_t child = ::fork();
  if (child == 0) {
    // Lines made as they go; each write is cut at an odd place.
    std::string pending;
    for (long i = 0, at = 0; i < 10'000'000; ++i) {
      pending += "PUB k " + std::to_string(i) + " " + std::string(40, 'k') + "\n";
      if (pending.size() < 4096) continue;
      std::size_t n = 1 + static_cast<std::size_t>(at++ * 7919) % 3001;
      ssize_t sent = ::send(fd, pending.data(), std::min(n, pending.size()), MSG_NOSIGNAL);
      if (sent < 0 && errno == EAGAIN) {
        pollfd pfd{fd, POLLOUT, 0};
        ::poll(&pfd, 1, 100);
        continue;
      }
      if (sent <= 0) ::_exit(0);
      pending.erase(0, static_cast<std::size_t>(sent));
    }
    ::_exit(0);
  }
  ASSERT_GT(child, 0);
  victim.close();  // the child holds the only copy now
  std::this_thread::sleep_for(milliseconds(300));
  ASSERT_EQ(::kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  reader.join();
  EXPECT_TRUE(error.empty()) << error;
  EXPECT_GT(next, 0) << "the child published nothing before it was killed";
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "PUB k after\n", {"MSG k after"}));
}

TEST_F(FaultConnTest, SlowlorisLinesAreCutWhileSilentSubscribersStay) {
  // 60 partial lines (line protocol and RESP) that never end, 20 silent
  // subscribers: the partial ones get the read timeout error and are
  // closed, the subscribers stay and still receive.
  std::vector<TestClient> subs;
  for (int i = 0; i < 20; ++i) {
    subs.push_back(connect());
    ASSERT_TRUE(subscribe(subs.back(), {"s"}));
  }
  std::vector<TestClient> lines;
  std::vector<TestClient> resps;
  for (int i = 0; i < 40; ++i) {
    lines.push_back(connect());
    ASSERT_TRUE(lines.back().send("PUB s never ends " + std::to_string(i)));
  }
  for (int i = 0; i < 20; ++i) {
    resps.push_back(connect());
    ASSERT_TRUE(resps.back().send("*3\r\n$7\r\nPUBLISH\r\n$1\r\ns\r\n$5\r\npar"));
  }
  auto start = Clock::now();
  for (auto& c : lines) {
    EXPECT_TRUE(c.expectLine("-ERR read timeout", milliseconds(5000)));
    EXPECT_TRUE(c.expectClosed());
  }
  for (auto& c : resps) {
    EXPECT_TRUE(c.expectLine("-ERR read timeout\r", milliseconds(5000)));
    EXPECT_TRUE(c.expectClosed());
  }
  EXPECT_LT(Clock::now() - start, milliseconds(3000));
  std::this_thread::sleep_for(milliseconds(700));  // past another timeout
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB s whole\n"));
  for (auto& s : subs) EXPECT_TRUE(s.expectLine("MSG s whole"));
}

TEST_F(FaultConnTest, CrowdOfHalfClosedClientsIsAnsweredAndLeavesNoDescriptor) {
  std::size_t baseline = fdCount(server_.pid());
  std::vector<TestClient> crowd;
  for (int i = 0; i < 300; ++i) {
    crowd.push_back(connect());
    // The last line is partial: it is dropped at EOF.
    ASSERT_TRUE(crowd.back().send("SUB h." + std::to_string(i) + "\nPING " + std::to_string(i) + "\nPUB h.x partial"));
    crowd.back().shutdownWrite();
  }
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"h.x"}));
  for (int i = 0; i < 300; ++i) {
    auto all = crowd[i].readUntilClosed();
    ASSERT_TRUE(all.has_value()) << "half-closed client " << i << " was never closed";
    EXPECT_EQ(*all, "PONG " + std::to_string(i) + "\n");
  }
  crowd.clear();
  std::size_t now = 0;
  for (int i = 0; i < 250; ++i) {
    now = fdCount(server_.pid());
    if (now <= baseline + 1) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_LE(now, baseline + 1) << "descriptors left after 300 half-closed clients (one is the subscriber)";
  TestClient pub = connect();
  EXPECT_TRUE(expectOnly(sub, pub, "", {}));  // no partial PUB was published
}

}  // namespace
}  // namespace linecast::test
