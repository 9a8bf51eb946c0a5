// Output is written once per connection per turn, however many messages the
// turn queued for it: the Server counts its send() calls.
#include <gtest/gtest.h>

#include <string>

#include "in_process_server.h"

namespace linecast::testing {
namespace {

TEST(WriteBatching, OneSendPerSubscriberPerTurn) {
  Server server(inProcessConfig());
  constexpr int kSubs = 10;
  constexpr int kMessages = 1000;
  int subs[kSubs];
  char buf[1 << 16];
  for (int& fd : subs) {
    fd = connectTo(server.port());
    ASSERT_GE(fd, 0);
    ASSERT_TRUE(sendAll(server, fd, "SUB news\nPING\n"));
  }
  std::size_t pongs = 0;
  for (int spins = 0; pongs < kSubs && spins < 5000; ++spins) {
    server.runOnce(1);
    for (int fd : subs) pongs += drainLines(fd, buf, sizeof buf);
  }
  ASSERT_EQ(pongs, static_cast<std::size_t>(kSubs));

  int publisher = connectTo(server.port());
  std::string burst;
  for (int i = 0; i < kMessages; ++i) burst += "PUB news message-" + std::to_string(i) + "\n";
  ASSERT_TRUE(sendAll(server, publisher, burst));

  std::uint64_t sends = 0;
  std::uint64_t flushes = 0;
  std::size_t received = 0;
  for (int spins = 0; received < kSubs * kMessages && spins < 5000; ++spins) {
    server.runOnce(1);
    sends += server.lastTurnWriteCalls();
    flushes += server.lastTurnFlushes();
    // A send per connection per turn, never one per message.
    EXPECT_LE(server.lastTurnWriteCalls(), server.lastTurnFlushes() + 1);
    for (int fd : subs) received += drainLines(fd, buf, sizeof buf);
  }
  ASSERT_EQ(received, static_cast<std::size_t>(kSubs * kMessages));
  // 10,000 deliveries in a handful of sends.
  EXPECT_LE(sends, static_cast<std::uint64_t>(4 * kSubs));
  EXPECT_GE(sends, static_cast<std::uint64_t>(kSubs));
  for (int fd : subs) ::close(fd);
  ::close(publisher);
}

}  // namespace
}  // namespace linecast::testing
