// Proves that the hot path (read, parse, route, fan-out, write) allocates
// nothing in steady state: the global operator new is replaced with one that
// counts, and 100,000 messages go through a real Server after a warm-up.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "counting_allocator.h"
#include "in_process_server.h"
#include "../integration/test_util.h"


namespace linecast::testing {
namespace {

constexpr int kMessagesPerChunk = 100;

// Publishes `count` messages in chunks and pumps the server until every one
// of the `subscribers` has read all of them. Allocation-free itself.
std::uint64_t pump(Server& server, int publisher, const int* subs, int subscribers,
                   std::string_view chunk, int count) {
  static char sink[1 << 16];
  std::uint64_t expected = static_cast<std::uint64_t>(count) * subscribers;
  std::uint64_t received = 0;
  for (int sent = 0; sent < count; sent += kMessagesPerChunk) {
    if (!sendAll(server, publisher, chunk)) return received;
    server.runOnce(0);
    for (int i = 0; i < subscribers; ++i) received += drainLines(subs[i], sink, sizeof sink);
  }
  for (int spins = 0; received < expected && spins < 20000; ++spins) {
    server.runOnce(1);
    for (int i = 0; i < subscribers; ++i) received += drainLines(subs[i], sink, sizeof sink);
  }
  return received;
}

void subscribe(Server& server, int fd, std::string_view command) {
  ASSERT_TRUE(sendAll(server, fd, command));
  char buf[256];
  std::size_t pongs = 0;
  for (int spins = 0; pongs == 0 && spins < 5000; ++spins) {
    server.runOnce(1);
    pongs = drainLines(fd, buf, sizeof buf);
  }
  ASSERT_EQ(pongs, 1u) << "no PONG after " << command;
}

std::string chunkOf(std::string_view line) {
  std::string chunk;
  for (int i = 0; i < kMessagesPerChunk; ++i) chunk += line;
  return chunk;
}

TEST(HotPathAllocations, NoneForOneToOneAfterWarmUp) {
  Server server(inProcessConfig());
  int subs[1] = {connectTo(server.port())};
  int publisher = connectTo(server.port());
  ASSERT_GE(subs[0], 0);
  ASSERT_GE(publisher, 0);
  subscribe(server, subs[0], "SUB room1.tv.volume\nPING\n");
  std::string chunk = chunkOf("PUB room1.tv.volume 0123456789abcdef\n");

  ASSERT_EQ(pump(server, publisher, subs, 1, chunk, 10000), 10000u);
  gAllocations = 0;
  gCounting = true;
  std::uint64_t received = pump(server, publisher, subs, 1, chunk, 100000);
  gCounting = false;
  EXPECT_EQ(received, 100000u);
  EXPECT_EQ(gAllocations.load(), 0u);
  EXPECT_EQ(server.metrics().messagesDelivered, 110000u);
  ::close(subs[0]);
  ::close(publisher);
}

TEST(HotPathAllocations, NoneForWildcardFanOutAfterWarmUp) {
  Server server(inProcessConfig());
  constexpr int kSubs = 8;
  int subs[kSubs];
  const char* patterns[] = {"room1.>", "room1.*.volume", "*.tv.volume", "room1.tv.volume"};
  for (int i = 0; i < kSubs; ++i) {
    subs[i] = connectTo(server.port());
    ASSERT_GE(subs[i], 0);
    // Two matching patterns each: still one delivery per connection.
    subscribe(server, subs[i],
              std::string("SUB ") + patterns[i % 4] + " " + patterns[(i + 1) % 4] + "\nPING\n");
  }
  int publisher = connectTo(server.port());
  std::string chunk = chunkOf("PUB room1.tv.volume 42\n");

  ASSERT_EQ(pump(server, publisher, subs, kSubs, chunk, 5000), 5000u * kSubs);
  gAllocations = 0;
  gCounting = true;
  std::uint64_t received = pump(server, publisher, subs, kSubs, chunk, 100000);
  gCounting = false;
  EXPECT_EQ(received, 100000u * kSubs);
  EXPECT_EQ(gAllocations.load(), 0u);
  for (int fd : subs) ::close(fd);
  ::close(publisher);
}

// Reads whatever is there; counts the bytes. No allocation.
std::size_t drainBytes(int fd, char* buf, std::size_t size) {
  std::size_t bytes = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf, size, 0);
    if (n <= 0) return bytes;
    bytes += static_cast<std::size_t>(n);
  }
}

// Sends `packets` and turns the server until `fd` has read `bytes`.
bool exchange(Server& server, int fd, std::string_view packets, std::size_t bytes) {
  static char sink[256];
  if (!sendAll(server, fd, packets)) return false;
  std::size_t got = 0;
  for (int spins = 0; got < bytes && spins < 5000; ++spins) {
    server.runOnce(1);
    got += drainBytes(fd, sink, sizeof sink);
  }
  return got == bytes;
}

// MQTT QoS 0 (docs/ARCHITECTURE.md, MQTT): an MQTT publisher and a line
// publisher to an MQTT subscriber, whose PUBLISH pieces go straight into its
// output ring; the topic <-> channel buffers are reused.
TEST(HotPathAllocations, NoneForMqttQos0AfterWarmUp) {
  Config config = inProcessConfig();
  config.mqttPort = linecast::test::freePort();
  Server server(config);
  int sub = connectTo(server.listenerPort("mqtt"));
  int mqttPub = connectTo(server.listenerPort("mqtt"));
  int linePub = connectTo(server.port());
  ASSERT_GE(sub, 0);
  ASSERT_GE(mqttPub, 0);
  ASSERT_GE(linePub, 0);
  using namespace std::string_view_literals;
  // CONNECT (clean, keep-alive 0, client id "s"/"p") -> CONNACK; SUBSCRIBE
  // room1/tv/volume at QoS 0 -> SUBACK.
  ASSERT_TRUE(exchange(server, sub, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x00\x00\x01s"sv, 4));
  ASSERT_TRUE(exchange(server, sub, "\x82\x14\x00\x01\x00\x0froom1/tv/volume\x00"sv, 5));
  ASSERT_TRUE(exchange(server, mqttPub, "\x10\x0d\x00\x04MQTT\x04\x02\x00\x00\x00\x01p"sv, 4));
  // PUBLISH room1/tv/volume "0123456789abcdef": 35 bytes on the wire.
  std::string mqttChunk;
  for (int i = 0; i < kMessagesPerChunk; ++i) mqttChunk += "\x30\x21\x00\x0froom1/tv/volume0123456789abcdef"sv;
  std::string lineChunk = chunkOf("PUB room1.tv.volume 0123456789abcdef\n");
  constexpr std::size_t kPublishBytes = 35;
  auto pumpBoth = [&](int rounds) {
    static char sink[1 << 16];
    std::size_t expected = static_cast<std::size_t>(rounds) * 2 * kMessagesPerChunk * kPublishBytes;
    std::size_t received = 0;
    for (int r = 0; r < rounds; ++r) {
      if (!sendAll(server, mqttPub, mqttChunk) || !sendAll(server, linePub, lineChunk)) return received;
      server.runOnce(0);
      received += drainBytes(sub, sink, sizeof sink);
    }
    for (int spins = 0; received < expected && spins < 20000; ++spins) {
      server.runOnce(1);
      received += drainBytes(sub, sink, sizeof sink);
    }
    return received;
  };
  ASSERT_EQ(pumpBoth(50), 50u * 2 * kMessagesPerChunk * kPublishBytes);
  gAllocations = 0;
  gCounting = true;
  std::size_t received = pumpBoth(500);
  gCounting = false;
  EXPECT_EQ(received, 500u * 2 * kMessagesPerChunk * kPublishBytes);
  EXPECT_EQ(gAllocations.load(), 0u);
  ::close(sub);
  ::close(mqttPub);
  ::close(linePub);
}

}  // namespace
}  // namespace linecast::testing
