// Delivery guarantees (docs/PROTOCOL.md, "Server to client" and
// "Guarantees"): once per connection, concrete channel, self-delivery,
// per-publisher order, fan-out.

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "server_test.h"

namespace linecast::test {
namespace {

using DeliveryTest = ServerTest;

TEST_F(DeliveryTest, OncePerConnectionHoweverManyPatternsMatch) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a.b", "a.*", "a.>", ">", "*.b", "*.*"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a.b once\nPUB a.c twice?\n", {"MSG a.b once", "MSG a.c twice?"}));
}

TEST_F(DeliveryTest, MsgCarriesTheConcreteChannel) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"room1.>", "*.kitchen"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB room1.tv.volume 5\nPUB house.kitchen on\n",
                         {"MSG room1.tv.volume 5", "MSG house.kitchen on"}));
}

TEST_F(DeliveryTest, PublisherReceivesItsOwnMessages) {
  TestClient c = connect();
  ASSERT_TRUE(c.send("SUB self\nPUB self echo\nPUB other not me\n"));
  EXPECT_TRUE(c.expectLine("MSG self echo"));
  EXPECT_TRUE(c.ping());
}

TEST_F(DeliveryTest, PublisherNotSubscribedReceivesNothing) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a x\n", {"MSG a x"}));
  EXPECT_TRUE(pub.expectNothing());
}

TEST_F(DeliveryTest, ConnectionWithoutSubscriptionReceivesNothing) {
  TestClient idle = connect();
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(idle.ping());
  ASSERT_TRUE(subscribe(sub, {">"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a x\nPUB b.c y\n", {"MSG a x", "MSG b.c y"}));
  EXPECT_TRUE(idle.expectNothing());
}

TEST_F(DeliveryTest, SubscriberMissesWhatWasPublishedBeforeItsSub) {
  TestClient pub = connect();
  ASSERT_TRUE(pub.send("PUB a early\n"));
  ASSERT_TRUE(pub.ping());
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"a"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB a late\n", {"MSG a late"}));
}

TEST_F(DeliveryTest, OrderOfOnePublisherIsKeptOver100000Messages) {
  constexpr int kCount = 100'000;
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"order"}));
  std::atomic<bool> sent{false};
  std::string sendError;
  std::thread publisher([&] {
    std::string batch;
    for (int i = 0; i < kCount; ++i) {
      batch += "PUB order " + std::to_string(i) + "\n";
      if (batch.size() > 60'000 || i == kCount - 1) {
        auto r = pub.send(batch, milliseconds(30'000));
        if (!r) {
          sendError = r.message();
          break;
        }
        batch.clear();
      }
    }
    sent = true;
  });
  int received = 0;
  for (; received < kCount; ++received) {
    auto line = sub.readLine(milliseconds(10'000));
    if (!line) break;
    std::string expected = "MSG order " + std::to_string(received);
    if (*line != expected) {
      ADD_FAILURE() << "message " << received << ": expected " << escapeBytes(expected) << ", got "
                    << escapeBytes(*line);
      break;
    }
  }
  publisher.join();
  EXPECT_TRUE(sendError.empty()) << sendError;
  EXPECT_EQ(received, kCount);
  EXPECT_TRUE(sub.expectNothing(milliseconds(50)));
}

TEST_F(DeliveryTest, EachPublishersOrderIsKeptWhenSeveralInterleave) {
  constexpr int kPublishers = 4;
  constexpr int kCount = 10'000;
  TestClient sub = connect();
  ASSERT_TRUE(subscribe(sub, {"mix.>"}));
  std::vector<TestClient> pubs;
  for (int p = 0; p < kPublishers; ++p) pubs.push_back(connect());
  std::vector<std::string> errors(kPublishers);
  std::vector<std::thread> threads;
  for (int p = 0; p < kPublishers; ++p) {
    threads.emplace_back([&, p] {
      std::string batch;
      for (int i = 0; i < kCount; ++i) {
        batch += "PUB mix." + std::to_string(p) + " " + std::to_string(i) + "\n";
        if (batch.size() > 16'000 || i == kCount - 1) {
          auto r = pubs[p].send(batch, milliseconds(30'000));
          if (!r) {
            errors[p] = r.message();
            return;
          }
          batch.clear();
        }
      }
    });
  }
  std::vector<int> next(kPublishers, 0);
  int total = 0;
  bool ok = true;
  for (; total < kPublishers * kCount && ok; ++total) {
    auto line = sub.readLine(milliseconds(10'000));
    if (!line) {
      ADD_FAILURE() << "no message after " << total;
      break;
    }
    // "MSG mix.<p> <i>"
    int p = -1;
    int i = -1;
    if (std::sscanf(line->c_str(), "MSG mix.%d %d", &p, &i) != 2 || p < 0 || p >= kPublishers) {
      ADD_FAILURE() << "unexpected line " << escapeBytes(*line);
      break;
    }
    if (i != next[p]) {
      ADD_FAILURE() << "publisher " << p << ": expected message " << next[p] << ", got " << i;
      ok = false;
    }
    ++next[p];
  }
  for (auto& t : threads) t.join();
  for (int p = 0; p < kPublishers; ++p) {
    EXPECT_TRUE(errors[p].empty()) << "publisher " << p << ": " << errors[p];
    EXPECT_EQ(next[p], kCount) << "publisher " << p;
  }
}

TEST_F(DeliveryTest, FanOutReachesEverySubscriber) {
  constexpr int kSubscribers = 64;
  constexpr int kCount = 2'000;
  std::vector<TestClient> subs;
  for (int s = 0; s < kSubscribers; ++s) {
    subs.push_back(connect());
    // Half exact, half through a wildcard.
    ASSERT_TRUE(subs.back().send(s % 2 == 0 ? "SUB fan.out\n" : "SUB fan.*\n"));
  }
  for (auto& s : subs) ASSERT_TRUE(s.ping());
  TestClient pub = connect();
  std::string batch;
  for (int i = 0; i < kCount; ++i) batch += "PUB fan.out m" + std::to_string(i) + "\n";
  ASSERT_TRUE(pub.send(batch));
  // Output for every subscriber (~30 KB each) stays well under the default
  // --max-outbuf, so reading them one after another is fine.
  for (int s = 0; s < kSubscribers; ++s) {
    for (int i = 0; i < kCount; ++i) {
      ASSERT_TRUE(subs[s].expectLine("MSG fan.out m" + std::to_string(i))) << "subscriber " << s << " message " << i;
    }
  }
  for (auto& s : subs) EXPECT_TRUE(s.expectNothing(milliseconds(20)));
}

TEST_F(DeliveryTest, LargeMessageUpToTheDefaultMaxLineIsDelivered) {
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"big"}));
  std::string payload = repeat('B', (1u << 20) - 8);  // "PUB big " + payload = 1 MiB
  std::thread sender([&] { EXPECT_TRUE(pub.send("PUB big " + payload + "\n", milliseconds(10'000))); });
  auto line = sub.readLine(milliseconds(10'000));
  sender.join();
  ASSERT_TRUE(line.has_value());
  EXPECT_TRUE(*line == "MSG big " + payload) << "got " << line->size() << " bytes";
}

}  // namespace
}  // namespace linecast::test
