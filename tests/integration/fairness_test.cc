// Fairness (docs/PROTOCOL.md, "Guarantees"): one connection that floods
// cannot starve the others.

#include <atomic>
#include <string>
#include <thread>

#include "server_test.h"

namespace linecast::test {
namespace {

using FairnessTest = ServerTest;

TEST_F(FairnessTest, FloodingPublisherDoesNotStarveOtherConnections) {
  constexpr auto kFloodTime = milliseconds(1500);
  constexpr std::size_t kMaxFloodBytes = 512u << 20;
  constexpr auto kMaxRoundTrip = milliseconds(1000);

  // A subscriber draining the flood, so that it is fan-out work and not only
  // parsing (whether it keeps up is not the point here).
  TestClient sink = connect();
  ASSERT_TRUE(sink.send("SUB flood\n"));
  ASSERT_TRUE(sink.ping());
  TestClient flooder = connect();
  TestClient other = connect();
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"quiet"}));

  std::atomic<bool> stop{false};
  std::atomic<std::size_t> floodBytes{0};
  std::thread flood([&] {
    std::string batch;
    for (int i = 0; i < 2000; ++i) batch += "PUB flood " + std::to_string(i) + " some payload bytes\n";
    auto end = Clock::now() + kFloodTime;
    for (int i = 0; i < 1'000'000 && Clock::now() < end && floodBytes < kMaxFloodBytes; ++i) {
      if (!flooder.send(batch, milliseconds(5000))) break;
      floodBytes += batch.size();
    }
    stop = true;
  });
  std::thread drain([&] {
    for (int i = 0; i < 100'000'000 && !stop; ++i) {
      if (sink.discardInput() == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));
      if (sink.peerClosed()) break;
    }
  });

  int roundTrips = 0;
  milliseconds worst{0};
  std::this_thread::sleep_for(milliseconds(100));  // let the flood build up
  for (int i = 0; i < 1000 && !stop; ++i) {
    auto start = Clock::now();
    ASSERT_TRUE(other.send("PUB quiet " + std::to_string(i) + "\nPING " + std::to_string(i) + "\n"));
    ASSERT_TRUE(other.expectLine("PONG " + std::to_string(i), milliseconds(5000)));
    ASSERT_TRUE(sub.expectLine("MSG quiet " + std::to_string(i), milliseconds(5000)));
    auto took = std::chrono::duration_cast<milliseconds>(Clock::now() - start);
    worst = std::max(worst, took);
    ++roundTrips;
    std::this_thread::sleep_for(milliseconds(20));
  }
  flood.join();
  drain.join();
  RecordProperty("flood_bytes", std::to_string(floodBytes.load()));
  RecordProperty("round_trips", roundTrips);
  RecordProperty("worst_round_trip_ms", static_cast<int>(worst.count()));
  EXPECT_GT(floodBytes.load(), 1u << 20) << "the flood never got going";
  EXPECT_GE(roundTrips, 5);
  EXPECT_LT(worst, kMaxRoundTrip) << "a quiet client waited " << worst.count() << " ms behind the flood";
}

}  // namespace
}  // namespace linecast::test
