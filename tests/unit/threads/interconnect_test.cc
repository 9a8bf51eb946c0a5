// SpscByteQueue and Interconnect, single-threaded where the logic is (wrap,
// padding, full lanes spilling in order) and with two real threads for the
// handover of records (this file runs under ThreadSanitizer too).

#include "threads/interconnect.h"

#include <gtest/gtest.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <vector>

#include "client_directory.h"
#include "routing/broker.h"
#include "threads/spsc_queue.h"

namespace linecast {
namespace {

TEST(SpscByteQueue, ReservesOnlyContiguousFreeBytes) {
  SpscByteQueue queue(64);
  char* a = queue.reserve(48);
  ASSERT_NE(a, nullptr);
  queue.commit(48);
  EXPECT_EQ(queue.reserve(24), nullptr);  // 16 left before the end
  EXPECT_EQ(queue.untilEnd(), 16u);
  ASSERT_EQ(queue.readable().size(), 48u);
  queue.release(48);
  ASSERT_NE(queue.reserve(16), nullptr);
  queue.commit(16);
  EXPECT_TRUE(queue.readable().size() == 16u);
  queue.release(16);
  EXPECT_TRUE(queue.empty());
  EXPECT_NE(queue.reserve(64), nullptr);  // wrapped to the start
}

TEST(SpscByteQueue, FullUntilTheConsumerReleases) {
  SpscByteQueue queue(32);
  ASSERT_NE(queue.reserve(32), nullptr);
  queue.commit(32);
  EXPECT_EQ(queue.reserve(8), nullptr);
  queue.release(8);
  EXPECT_NE(queue.reserve(8), nullptr);
}

// Interconnect lanes without Servers: attach() needs a Broker, a
// ClientDirectory and an eventfd per thread.
class InterconnectTest : public ::testing::Test {
 protected:
  // Congested past 1 MiB of overflow, so the tests need not fill 64 MiB.
  explicit InterconnectTest(std::size_t threads = 2, std::size_t maxRecord = 64)
      : net_(threads, maxRecord, 1 << 20) {
    for (std::size_t i = 0; i < threads; ++i) {
      metrics_.push_back(std::make_unique<Metrics>());
      brokers_.push_back(std::make_unique<Broker>(*metrics_.back()));
      fds_.push_back(::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC));
      clients_.push_back(std::make_unique<ClientDirectory>([](const auto&) {}, now_));
      net_.attach(i, *brokers_.back(), *metrics_.back(), *clients_.back(), fds_.back());
    }
  }
  ~InterconnectTest() override {
    for (int fd : fds_) ::close(fd);
  }
  std::vector<std::string> drain(std::size_t self) {
    std::vector<std::string> got;
    net_.drain(self, [&](std::string_view channel, std::uint64_t hash, std::string_view payload,
                         Forwarded kind) {
      EXPECT_EQ(hash, 7u);
      got.push_back(std::string(channel) + " " + std::string(payload) +
                    (kind == Forwarded::kAnyBytes ? " *" : kind == Forwarded::kShard ? " shard" : ""));
    });
    return got;
  }
  std::uint64_t wakeCount(std::size_t self) {
    std::uint64_t n = 0;
    if (::read(fds_[self], &n, sizeof n) != sizeof n) return 0;
    return n;
  }

  Interconnect net_;
  std::vector<std::unique_ptr<Metrics>> metrics_;
  std::vector<std::unique_ptr<Broker>> brokers_;
  std::vector<int> fds_;
  std::vector<std::unique_ptr<ClientDirectory>> clients_;
  double now_ = 0;
};

TEST_F(InterconnectTest, MessagesArriveInOrderWithTheirFlags) {
  net_.forward(0, 1, "a", 7, "one", Forwarded::kLine);
  net_.forward(0, 1, "b", 7, "", Forwarded::kAnyBytes);
  net_.forward(0, 1, "c", 7, "three", Forwarded::kLine);
  EXPECT_EQ(drain(1), (std::vector<std::string>{"a one", "b  *", "c three"}));
  EXPECT_TRUE(drain(1).empty());
  EXPECT_TRUE(drain(0).empty());
}

TEST_F(InterconnectTest, OnlyASleepingConsumerIsWokenOncePerTurn) {
  net_.forward(0, 1, "a", 7, "x", Forwarded::kLine);
  net_.endTurn(0);
  EXPECT_EQ(wakeCount(1), 0u);  // awake: it drains at its next turn anyway
  drain(1);
  ASSERT_TRUE(net_.prepareToSleep(1));
  net_.forward(0, 1, "a", 7, "y", Forwarded::kLine);
  net_.forward(0, 1, "a", 7, "z", Forwarded::kLine);
  net_.endTurn(0);
  EXPECT_EQ(wakeCount(1), 1u);
  net_.wokeUp(1);
  EXPECT_FALSE(net_.prepareToSleep(1));  // work waits: it must not block
  EXPECT_EQ(drain(1).size(), 2u);
}

TEST_F(InterconnectTest, AFullLaneSpillsAndKeepsTheOrder) {
  // Far more than a lane holds, with the consumer away.
  std::string payload(48, 'p');
  const int total = 200000;
  for (int i = 0; i < total; ++i) net_.forward(0, 1, std::to_string(i), 7, payload, Forwarded::kLine);
  EXPECT_TRUE(net_.congested(0));
  int next = 0;
  for (int turn = 0; turn < 1000 && next < total; ++turn) {
    net_.drain(1, [&](std::string_view channel, std::uint64_t, std::string_view, Forwarded) {
      ASSERT_EQ(channel, std::to_string(next));
      ++next;
    });
    net_.endTurn(0);  // moves what now fits out of the overflow
  }
  EXPECT_EQ(next, total);
  EXPECT_FALSE(net_.congested(0));
}

TEST_F(InterconnectTest, HandsOffConnectionsAndWakes) {
  PendingConnection pending;
  pending.fd = ::dup(0);
  pending.peer.bytes.port[1] = 7;  // port 7
  pending.peer.v6 = true;
  pending.listener = 1;
  net_.handOff(1, std::move(pending));
  EXPECT_EQ(wakeCount(1), 1u);
  EXPECT_FALSE(net_.prepareToSleep(1));
  std::vector<PendingConnection> got;
  net_.takeHandOffs(1, got);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].peer.format(), "[::]:7");
  EXPECT_EQ(got[0].listener, 1u);
  ::close(got[0].fd);
  net_.wokeUp(1);
  EXPECT_TRUE(net_.prepareToSleep(1));
}

TEST_F(InterconnectTest, TwoThreadsHandOverEveryRecordInOrder) {
  const int total = 300000;
  std::thread producer([&] {
    for (int i = 0; i < total; ++i) {
      net_.forward(0, 1, "c", 7, std::to_string(i), Forwarded::kLine);
      if (i % 64 == 0) net_.endTurn(0);
    }
    while (net_.congested(0) || true) {
      net_.endTurn(0);  // until the overflow is empty
      if (!net_.congested(0)) break;
      std::this_thread::yield();
    }
    for (int k = 0; k < 1000; ++k) net_.endTurn(0);
  });
  int next = 0;
  bool ordered = true;
  for (int spins = 0; next < total && spins < 50'000'000; ++spins) {
    net_.drain(1, [&](std::string_view, std::uint64_t, std::string_view payload, Forwarded) {
      if (payload != std::to_string(next)) ordered = false;
      ++next;
    });
  }
  producer.join();
  EXPECT_TRUE(ordered);
  EXPECT_EQ(next, total);
}

TEST(MetricsTotals, SumsEveryThread) {
  Metrics a;
  Metrics b;
  ++a.messagesPublished;
  b.messagesPublished += 2;
  a.countHttpStatus(200);
  b.countHttpStatus(200);
  b.countHttpStatus(404);
  b.countHttpStatus(42);  // not a status: ignored
  MetricsTotals t = sumMetrics({&a, &b});
  EXPECT_EQ(t.messagesPublished, 3u);
  EXPECT_EQ(t.httpRequests[200 - kMinHttpStatus], 2u);
  EXPECT_EQ(t.httpRequests[404 - kMinHttpStatus], 1u);
}

}  // namespace
}  // namespace linecast
