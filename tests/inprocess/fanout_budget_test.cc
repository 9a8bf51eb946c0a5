// The fan-out budget (issue 17, the broadcast cliff): a turn stops running a
// publisher's input once its publishes have queued the budget's bytes for
// subscribers, and runs the rest in later turns. Before it, one turn ran
// everything one read brought: a 256 KiB read of 32-byte PUBs to 10,000
// subscribers appended 2.4 GB, and no subscriber saw a message.
//
// Here the budget is lowered so that a few messages cross it; the checks
// are per turn (deliveries never pass the budget by more than one PUB) and
// end to end (every subscriber gets every message in order, the PONG after
// them, and the publisher's EOF still runs all it sent), on both backends.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <string>
#include <vector>

#include "in_process_server.h"

namespace linecast::testing {
namespace {

constexpr int kSubscribers = 10;
constexpr int kMessages = 200;
constexpr std::size_t kPayload = 1000;
// "MSG fan " + payload + "\n"
constexpr std::size_t kFrame = 8 + kPayload + 1;
constexpr std::size_t kBudget = 64 * 1024;

class FanoutBudgetTest : public ::testing::TestWithParam<const char*> {};

TEST_P(FanoutBudgetTest, ATurnStopsAtTheBudgetAndTheRestRunsLaterInOrder) {
  Config config = inProcessConfig();
  config.io = GetParam();
  if (config.io == "uring" && !ioUringBuiltIn()) GTEST_SKIP() << "built without io_uring";
  Server server(config);
  server.setFanoutBudget(kBudget);

  std::vector<int> subs;
  std::vector<std::string> got(kSubscribers);
  char buf[65536];
  auto readSubs = [&] {
    for (int i = 0; i < kSubscribers; ++i) {
      for (ssize_t n; (n = ::recv(subs[i], buf, sizeof buf, 0)) > 0;) got[i].append(buf, n);
    }
  };
  for (int i = 0; i < kSubscribers; ++i) {
    subs.push_back(connectTo(server.port()));
    ASSERT_TRUE(sendAll(server, subs.back(), "SUB fan\nPING\n"));
  }
  for (int spins = 0; spins < 1000; ++spins) {
    server.runOnce(1);
    readSubs();
    bool all = true;
    for (const std::string& g : got) all = all && g == "PONG\n";
    if (all) break;
  }
  for (std::string& g : got) ASSERT_EQ(g, "PONG\n");
  for (std::string& g : got) g.clear();

  int pub = connectTo(server.port());
  std::string batch;
  std::string expected;
  for (int m = 0; m < kMessages; ++m) {
    std::string payload = std::to_string(m);
    payload.resize(kPayload, 'p');
    batch += "PUB fan " + payload + "\n";
    expected += "MSG fan " + payload + "\n";
  }
  batch += "PING\n";
  // One write, then EOF: the end of stream must wait for the input the
  // budget left, not drop it.
  ASSERT_TRUE(sendAll(server, pub, batch));
  ::shutdown(pub, SHUT_WR);

  // Per turn, at most the budget plus the one PUB that crossed it.
  const std::uint64_t maxPerTurn = (kBudget / Connection::fanoutCharge(kSubscribers, kFrame) + 1) * kSubscribers;
  std::uint64_t delivered = server.metrics().messagesDelivered;
  std::uint64_t turnsWithDeliveries = 0;
  std::string pubGot;
  bool pubClosed = false;
  for (int spins = 0; spins < 20000 && !pubClosed; ++spins) {
    server.runOnce(1);
    std::uint64_t now = server.metrics().messagesDelivered;
    EXPECT_LE(now - delivered, maxPerTurn) << "one turn fanned out past the budget";
    if (now > delivered) ++turnsWithDeliveries;
    delivered = now;
    readSubs();
    for (ssize_t n; (n = ::recv(pub, buf, sizeof buf, 0)) != 0;) {
      if (n < 0) break;
      pubGot.append(buf, n);
    }
    if (::recv(pub, buf, 1, MSG_PEEK | MSG_DONTWAIT) == 0) pubClosed = true;
  }
  for (int spins = 0; spins < 1000; ++spins) {
    server.runOnce(1);
    readSubs();
  }
  EXPECT_EQ(pubGot, "PONG\n");
  EXPECT_TRUE(pubClosed) << "the publisher's EOF never closed it";
  EXPECT_GE(turnsWithDeliveries, static_cast<std::uint64_t>(kMessages * kSubscribers / maxPerTurn));
  for (int i = 0; i < kSubscribers; ++i) {
    EXPECT_EQ(got[i].size(), expected.size()) << "subscriber " << i;
    EXPECT_TRUE(got[i] == expected) << "subscriber " << i << " got another stream";
  }
  for (int fd : subs) ::close(fd);
  ::close(pub);
}

INSTANTIATE_TEST_SUITE_P(Backends, FanoutBudgetTest, ::testing::Values("epoll", "uring"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace
}  // namespace linecast::testing
