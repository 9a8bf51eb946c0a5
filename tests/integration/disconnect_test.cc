// Subscribers that vanish in the middle of a large fan-out (close or RST)
// must not disturb the others (regression shape from docs/STYLE.md: nothing
// is destroyed during fan-out).

#include <string>
#include <thread>
#include <vector>

#include "server_test.h"

namespace linecast::test {
namespace {

constexpr int kMessages = 50'000;
constexpr int kStayers = 4;
constexpr int kLeavers = 6;

class DisconnectTest : public ServerTest {
 protected:
  void runFanOutWithLeavers(bool reset) {
    std::vector<TestClient> stayers;
    std::vector<TestClient> leavers;
    for (int i = 0; i < kStayers; ++i) {
      stayers.push_back(connect());
      ASSERT_TRUE(stayers.back().send("SUB fan.>\n"));
      ASSERT_TRUE(stayers.back().ping());
    }
    for (int i = 0; i < kLeavers; ++i) {
      leavers.push_back(connect());
      ASSERT_TRUE(leavers.back().send("SUB fan.x\n"));
      ASSERT_TRUE(leavers.back().ping());
    }
    TestClient pub = connect();

    std::string sendError;
    std::thread publisher([&] {
      std::string batch;
      for (int i = 0; i < kMessages; ++i) {
        batch += "PUB fan.x " + std::to_string(i) + "\n";
        if (batch.size() > 32'000 || i == kMessages - 1) {
          auto r = pub.send(batch, milliseconds(30'000));
          if (!r) {
            sendError = r.message();
            return;
          }
          batch.clear();
        }
      }
    });

    // Each leaver reads a different number of messages, then goes away
    // while the publisher is still streaming.
    std::vector<std::thread> readers;
    std::vector<int> stayerCounts(kStayers, 0);
    std::vector<std::string> leaverErrors(kLeavers);
    for (int l = 0; l < kLeavers; ++l) {
      readers.emplace_back([&, l] {
        int stopAt = 500 + l * 2000;
        for (int i = 0; i < stopAt; ++i) {
          auto line = leavers[l].readLine(milliseconds(10'000));
          if (!line || *line != "MSG fan.x " + std::to_string(i)) {
            leaverErrors[l] = "message " + std::to_string(i) + ": " + (line ? escapeBytes(*line) : "none");
            break;
          }
        }
        if (reset) leavers[l].setLingerZero();
        leavers[l].close();
      });
    }
    for (int s = 0; s < kStayers; ++s) {
      readers.emplace_back([&, s] {
        for (int i = 0; i < kMessages; ++i) {
          auto line = stayers[s].readLine(milliseconds(10'000));
          if (!line || *line != "MSG fan.x " + std::to_string(i)) break;
          stayerCounts[s] = i + 1;
        }
      });
    }
    publisher.join();
    for (auto& t : readers) t.join();

    EXPECT_TRUE(sendError.empty()) << sendError;
    for (int l = 0; l < kLeavers; ++l) EXPECT_TRUE(leaverErrors[l].empty()) << "leaver " << l << ": " << leaverErrors[l];
    for (int s = 0; s < kStayers; ++s) EXPECT_EQ(stayerCounts[s], kMessages) << "subscriber " << s;
    EXPECT_TRUE(pub.ping("after"));
    for (auto& s : stayers) EXPECT_TRUE(s.expectNothing(milliseconds(20)));
    ASSERT_TRUE(server_.running());
  }
};

TEST_F(DisconnectTest, SubscribersClosingMidFanOutDoNotDisturbOthers) { runFanOutWithLeavers(false); }

TEST_F(DisconnectTest, SubscribersResettingMidFanOutDoNotDisturbOthers) { runFanOutWithLeavers(true); }

TEST_F(DisconnectTest, PublisherResettingMidStreamLeavesTheServerHealthy) {
  TestClient sub = connect();
  ASSERT_TRUE(sub.send("SUB a\n"));
  ASSERT_TRUE(sub.ping());
  {
    TestClient pub = connect();
    std::string batch;
    for (int i = 0; i < 5000; ++i) batch += "PUB a " + std::to_string(i) + "\n";
    batch += "PUB a torn";
    ASSERT_TRUE(pub.send(batch));
    pub.setLingerZero();
  }
  // Whatever prefix arrived is in order; the torn line never arrives.
  int next = 0;
  for (int guard = 0; guard < 5000; ++guard) {
    auto line = sub.readLine(milliseconds(500));
    if (!line) break;
    ASSERT_EQ(*line, "MSG a " + std::to_string(next));
    ++next;
  }
  TestClient pub2 = connect();
  ASSERT_TRUE(pub2.send("PUB a fresh\n"));
  EXPECT_TRUE(sub.expectLine("MSG a fresh"));
}

}  // namespace
}  // namespace linecast::test
