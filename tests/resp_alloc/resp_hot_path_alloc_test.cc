// Proves that RESP's hot path (parse a PUBLISH, fan out message, pmessage
// and MSG frames across both protocols, reply with the count) allocates
// nothing in steady state: the global operator new counts, and 50,000
// publishes go through a real Server after a warm-up. Its own binary, since
// it replaces operator new (as tests/inprocess does for the line protocol).
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "../inprocess/counting_allocator.h"
#include "../inprocess/in_process_server.h"


namespace linecast::testing {
namespace {

constexpr int kPerChunk = 100;
const std::string kPublish = "*3\r\n$7\r\nPUBLISH\r\n$15\r\nroom1.tv.volume\r\n$16\r\n0123456789abcdef\r\n";
// What each kind of subscriber receives per publish.
const std::string kMessage =
    "*3\r\n$7\r\nmessage\r\n$15\r\nroom1.tv.volume\r\n$16\r\n0123456789abcdef\r\n";
const std::string kPmessage =
    "*4\r\n$8\r\npmessage\r\n$7\r\nroom1.*\r\n$15\r\nroom1.tv.volume\r\n$16\r\n0123456789abcdef\r\n";
const std::string kMsg = "MSG room1.tv.volume 0123456789abcdef\n";

std::size_t drainBytes(int fd) {
  static char sink[1 << 16];
  std::size_t total = 0;
  for (;;) {
    ssize_t n = ::recv(fd, sink, sizeof sink, 0);
    if (n <= 0) return total;
    total += static_cast<std::size_t>(n);
  }
}

// Publishes `count` messages in chunks and turns the server until every
// subscriber has read `perMessage[i] * count` bytes; the publisher's count
// replies are drained too. Returns whether all arrived.
bool pump(Server& server, int publisher, const int* subs, const std::size_t* perMessage, int n,
          const std::string& chunk, int count) {
  std::uint64_t want[8];
  std::uint64_t got[8] = {};
  for (int i = 0; i < n; ++i) want[i] = perMessage[i] * static_cast<std::uint64_t>(count);
  auto done = [&] {
    for (int i = 0; i < n; ++i) {
      if (got[i] < want[i]) return false;
    }
    return true;
  };
  for (int sent = 0; sent < count; sent += kPerChunk) {
    if (!sendAll(server, publisher, chunk)) return false;
    server.runOnce(0);
    drainBytes(publisher);
    for (int i = 0; i < n; ++i) got[i] += drainBytes(subs[i]);
  }
  for (int spins = 0; !done() && spins < 20000; ++spins) {
    server.runOnce(1);
    drainBytes(publisher);
    for (int i = 0; i < n; ++i) got[i] += drainBytes(subs[i]);
  }
  return done();
}

void await(Server& server, int fd, std::string_view request, std::string_view untilSuffix) {
  ASSERT_TRUE(sendAll(server, fd, request));
  std::string seen;
  char buf[512];
  for (int spins = 0; spins < 5000 && !std::string_view(seen).ends_with(untilSuffix); ++spins) {
    server.runOnce(1);
    ssize_t r = ::recv(fd, buf, sizeof buf, 0);
    if (r > 0) seen.append(buf, static_cast<std::size_t>(r));
  }
  ASSERT_TRUE(std::string_view(seen).ends_with(untilSuffix)) << seen;
}

TEST(RespHotPathAllocations, NoneForPublishToChannelPatternAndLineSubscribers) {
  Server server(inProcessConfig());
  int subs[3] = {connectTo(server.port()), connectTo(server.port()), connectTo(server.port())};
  int publisher = connectTo(server.port());
  for (int fd : subs) ASSERT_GE(fd, 0);
  ASSERT_GE(publisher, 0);
  await(server, subs[0], "*2\r\n$9\r\nSUBSCRIBE\r\n$15\r\nroom1.tv.volume\r\n", ":1\r\n");
  await(server, subs[1], "*2\r\n$10\r\nPSUBSCRIBE\r\n$7\r\nroom1.*\r\n", ":1\r\n");
  await(server, subs[2], "SUB room1.>\nPING\n", "PONG\n");
  // The publisher speaks RESP too.
  await(server, publisher, "*1\r\n$4\r\nPING\r\n", "+PONG\r\n");
  std::string chunk;
  for (int i = 0; i < kPerChunk; ++i) chunk += kPublish;
  const std::size_t perMessage[3] = {kMessage.size(), kPmessage.size(), kMsg.size()};

  ASSERT_TRUE(pump(server, publisher, subs, perMessage, 3, chunk, 5000));
  gAllocations = 0;
  gCounting = true;
  bool delivered = pump(server, publisher, subs, perMessage, 3, chunk, 50000);
  gCounting = false;
  EXPECT_TRUE(delivered);
  EXPECT_EQ(gAllocations.load(), 0u);
  EXPECT_EQ(server.metrics().messagesDelivered, 3u * 55000u);
  for (int fd : subs) ::close(fd);
  ::close(publisher);
}

}  // namespace
}  // namespace linecast::testing
