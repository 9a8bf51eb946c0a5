// --threads N against the real binary: connections land on different
// reactor threads (handed out in turn), and nothing a client can see may
// depend on which: fan-out reaches every thread, each publisher's order
// holds, a subscription is live for every thread once its PING is answered,
// RESP PUBLISH counts the subscribers of every thread, and --max-conns is
// one limit for the process.

#include <sched.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "server_test.h"
#include "tls_pass.h"

namespace linecast::test {
namespace {

constexpr int kThreads = 4;

class ThreadsTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--threads", std::to_string(kThreads), "--max-outbuf", "64MiB"};
  }
};

TEST_F(ThreadsTest, EveryPublisherReachesEverySubscriberInItsOwnOrder) {
  // 8 subscribers and 8 publishers over 4 threads: every pair of threads.
  constexpr int kSubs = 8;
  constexpr int kPubs = 8;
  constexpr int kEach = 3000;
  std::vector<TestClient> subs;
  for (int i = 0; i < kSubs; ++i) {
    subs.push_back(connect());
    ASSERT_TRUE(subscribe(subs.back(), {"load.>"}));
  }
  std::vector<TestClient> pubs;
  for (int p = 0; p < kPubs; ++p) pubs.push_back(connect());
  for (int p = 0; p < kPubs; ++p) {
    std::string batch;
    for (int n = 0; n < kEach; ++n) {
      batch += "PUB load." + std::to_string(p) + " " + std::to_string(n) + "\n";
    }
    ASSERT_TRUE(pubs[p].send(batch));
  }
  for (int s = 0; s < kSubs; ++s) {
    std::map<int, int> next;  // publisher -> next number expected
    for (int got = 0; got < kPubs * kEach; ++got) {
      auto line = subs[s].readLine();
      ASSERT_TRUE(line) << "subscriber " << s << " after " << got << " messages";
      // "MSG load.<p> <n>"
      std::size_t dot = line->find('.');
      std::size_t space = line->find(' ', dot);
      ASSERT_EQ(line->substr(0, dot + 1), "MSG load.") << *line;
      int p = std::stoi(line->substr(dot + 1, space - dot - 1));
      int n = std::stoi(line->substr(space + 1));
      ASSERT_EQ(n, next[p]) << "subscriber " << s << " publisher " << p;
      ++next[p];
    }
  }
}

TEST_F(ThreadsTest, ASubscriptionIsLiveOnEveryThreadOnceItsPingIsAnswered) {
  TestClient pub = connect();
  for (int i = 0; i < 60; ++i) {
    // Each new subscriber lands on the next thread; the publisher stays.
    TestClient sub = connect();
    std::string channel = "live." + std::to_string(i);
    ASSERT_TRUE(sub.send("SUB " + channel + "\n"));
    ASSERT_TRUE(sub.ping("ready"));
    ASSERT_TRUE(pub.send("PUB " + channel + " now\n"));
    ASSERT_TRUE(sub.expectLine("MSG " + channel + " now")) << "round " << i;
  }
}

TEST_F(ThreadsTest, RespPublishCountsTheSubscribersOfEveryThread) {
  std::vector<TestClient> line;
  std::vector<TestClient> resp;
  for (int i = 0; i < kThreads; ++i) {
    line.push_back(connect());
    ASSERT_TRUE(subscribe(line.back(), {"count.me"}));
    resp.push_back(connect());
    ASSERT_TRUE(resp.back().send(respCommand({"SUBSCRIBE", "count.me"})));
    ASSERT_TRUE(resp.back().expectLine("*3\r"));
    for (int k = 0; k < 5; ++k) ASSERT_TRUE(resp.back().readLine());
  }
  TestClient publisher = connect();
  ASSERT_TRUE(publisher.send(respCommand({"PUBLISH", "count.me", "hi"})));
  ASSERT_TRUE(publisher.expectLine(":" + std::to_string(2 * kThreads) + "\r"));
  for (TestClient& sub : line) ASSERT_TRUE(sub.expectLine("MSG count.me hi"));
  for (TestClient& sub : resp) {
    ASSERT_TRUE(sub.expectLine("*3\r"));
    ASSERT_TRUE(sub.expectLine("$7\r"));
    ASSERT_TRUE(sub.expectLine("message\r"));
  }
}

class ThreadsLimitTest : public ServerTest {
 protected:
  std::vector<std::string> serverArgs() const override {
    return {"--threads", std::to_string(kThreads), "--max-conns", "6"};
  }
};

TEST_F(ThreadsLimitTest, MaxConnsIsOneLimitOverEveryThread) {
  if (tlsPass()) {
    GTEST_SKIP() << "the rejection is plaintext before a first byte could choose TLS (docs/PROTOCOL.md, TLS); "
                    "tests/tls covers it";
  }

  std::vector<TestClient> held;
  for (int i = 0; i < 6; ++i) {
    held.push_back(connect());
    ASSERT_TRUE(held.back().ping());
  }
  TestClient extra = connect();
  ASSERT_TRUE(extra.expectLine("-ERR max number of clients reached\r"));
  ASSERT_TRUE(extra.expectClosed());
  held.pop_back();  // one closes, on whichever thread owned it...
  // The owning thread notices the close at its own pace (on a loaded machine,
  // after more than 50 back-to-back rejections): retry until the deadline,
  // pausing between attempts.
  TestClient again;
  bool admitted = false;
  const auto deadline = Clock::now() + kDefaultTimeout;
  while (!admitted && Clock::now() < deadline) {
    again = connect();
    admitted = static_cast<bool>(again.ping());  // ...and its slot is free for anyone
    if (!admitted) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_TRUE(admitted);
}

class ThreadsStartupTest : public ServerTest {
 protected:
  bool startInSetUp() const override { return false; }
};

TEST_F(ThreadsStartupTest, ThreadsOutOfRangeRefusesToStart) {
  auto status = server_.runToExit(ServerProcess::withBaseArgs({"--threads", "257"}));
  ASSERT_TRUE(status.has_value()) << "started with --threads 257";
  EXPECT_TRUE(status->exited && status->code != 0) << status->describe();
  EXPECT_NE(server_.log().find("--threads"), std::string::npos) << server_.log();
}

TEST_F(ThreadsStartupTest, OneThreadServesAlone) {
  ASSERT_TRUE(server_.start({"--threads", "1"}));
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"solo"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB solo one\n", {"MSG solo one"}));
  EXPECT_NE(server_.log().find("1 reactor thread\n"), std::string::npos) << server_.log();
}

// The default is one reactor per two of the cores the process may use (its
// affinity mask, which it inherits from us), and the log says why.
TEST_F(ThreadsStartupTest, DefaultIsOneThreadPerTwoUsableCores) {
  ASSERT_TRUE(server_.start({"--threads", "0"}));
  cpu_set_t set;
  CPU_ZERO(&set);
  ASSERT_EQ(::sched_getaffinity(0, sizeof set, &set), 0);
  std::size_t cores = static_cast<std::size_t>(CPU_COUNT(&set));
  std::size_t threads = std::max<std::size_t>(1, cores / 2);
  std::string line = std::to_string(threads) + " reactor thread" + (threads == 1 ? "" : "s") +
                     " (--threads 0: one per two of the " + std::to_string(cores) + " usable cores)";
  EXPECT_NE(server_.log().find(line), std::string::npos) << line << "\n" << server_.log();
  TestClient sub = connect();
  TestClient pub = connect();
  ASSERT_TRUE(subscribe(sub, {"chosen"}));
  EXPECT_TRUE(expectOnly(sub, pub, "PUB chosen one\n", {"MSG chosen one"}));
}

}  // namespace
}  // namespace linecast::test
