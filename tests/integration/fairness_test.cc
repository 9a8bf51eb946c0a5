// Fairness (docs/PROTOCOL.md, "Guarantees"): one connection that floods
// cannot starve the others.

#include <atomic>
#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

using FairnessTest = ServerTest;

// Asserted as an order of events, not a time: under ThreadSanitizer a round
// trip takes over a second with no starvation at all. A server that served
// the flood first would answer the quiet client only once the flood ended
// (at its cap); a fair one answers it while the flood still flows.
TEST_F(FairnessTest, FloodingPublisherDoesNotStarveOtherConnections) {
  constexpr auto kMaxFloodTime = milliseconds(30'000);
  constexpr std::size_t kMaxFloodBytes = 2048u << 20;
  constexpr int kRoundTrips = 5;

  // A subscriber draining the flood, so that it is fan-out work and not only
  // parsing (whether it keeps up is not the point here).
  TestClient sink = connect();
  ASSERT_TRUE(sink.send("SUB flood\n"));
  ASSERT_TRUE(sink.ping());
  TestClient flooder = connect();
  TestClient other = connect();
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"quiet"}));

  std::atomic<bool> quietDone{false};
  std::atomic<bool> floodEnded{false};
  std::atomic<std::size_t> floodBytes{0};
  std::thread flood([&] {
    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += "PUB flood " + std::to_string(i) + " some payload bytes\n";
    auto end = Clock::now() + kMaxFloodTime;
    for (int i = 0; i < 10'000'000 && !quietDone && Clock::now() < end && floodBytes < kMaxFloodBytes; ++i) {
      if (!flooder.send(batch, milliseconds(5000))) break;
      floodBytes += batch.size();
    }
    floodEnded = true;
  });
  std::thread drain([&] {
    for (int i = 0; i < 1'000'000'000 && !floodEnded; ++i) {
      if (sink.discardInput() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (sink.peerClosed()) break;
    }
  });

  // Let the flood build up (1 MiB queued), then the quiet client's round trips.
  for (int i = 0; i < 5000 && floodBytes < (1u << 20) && !floodEnded; ++i) {
    std::this_thread::sleep_for(milliseconds(2));
  }
  std::size_t floodBefore = floodBytes.load();
  int roundTrips = 0;
  for (int i = 0; i < kRoundTrips; ++i) {
    ASSERT_TRUE(other.send("PUB quiet " + std::to_string(i) + "\nPING " + std::to_string(i) + "\n"));
    ASSERT_TRUE(other.expectLine("PONG " + std::to_string(i), milliseconds(30'000)));
    ASSERT_TRUE(sub.expectLine("MSG quiet " + std::to_string(i), milliseconds(30'000)));
    ++roundTrips;
  }
  bool floodStillFlowing = !floodEnded;
  std::size_t floodAfter = floodBytes.load();
  quietDone = true;
  flood.join();
  drain.join();
  RecordProperty("flood_bytes", std::to_string(floodAfter));
  EXPECT_GT(floodBefore, 1u << 20) << "the flood never got going";
  EXPECT_EQ(roundTrips, kRoundTrips);
  EXPECT_TRUE(floodStillFlowing) << "the quiet client was answered only after the flood ended ("
                                 << floodAfter << " bytes)";
  EXPECT_GT(floodAfter, floodBefore) << "the flood did not move while the quiet client was served";
}

}  // namespace
}  // namespace linecast::test
