// Many concurrent connections, each with its own channel.

#include <sys/resource.h>

#include <string>
#include <vector>

#include "server_test.h"

namespace linecast::test {
namespace {

constexpr int kConnections = 2000;

class LoadTest : public ServerTest {
 protected:
  bool startInSetUp() const override { return false; }

  void SetUp() override {
    // Our 2000 sockets plus the server's, which inherits this limit.
    rlimit lim{};
    ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &lim), 0);
    if (lim.rlim_cur < lim.rlim_max) {
      lim.rlim_cur = lim.rlim_max;
      ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &lim), 0);
    }
    if (lim.rlim_cur < static_cast<rlim_t>(kConnections) + 200) {
      GTEST_SKIP() << "RLIMIT_NOFILE hard limit " << lim.rlim_max << " is too low for " << kConnections
                   << " connections";
    }
    ASSERT_TRUE(server_.start());
  }
};

TEST_F(LoadTest, TwoThousandConnectionsEachGetTheirOwnMessage) {
  std::vector<TestClient> clients(kConnections);
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_TRUE(clients[i].connect(server_.port())) << "connection " << i;
    ASSERT_TRUE(clients[i].send("SUB own." + std::to_string(i) + "\nPING " + std::to_string(i) + "\n"));
  }
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_TRUE(clients[i].expectLine("PONG " + std::to_string(i), milliseconds(10'000))) << "connection " << i;
  }
  TestClient pub = connect();
  std::string batch;
  for (int i = 0; i < kConnections; ++i) batch += "PUB own." + std::to_string(i) + " for " + std::to_string(i) + "\n";
  ASSERT_TRUE(pub.send(batch));
  for (int i = 0; i < kConnections; ++i) {
    ASSERT_TRUE(clients[i].expectLine("MSG own." + std::to_string(i) + " for " + std::to_string(i),
                                      milliseconds(10'000)))
        << "connection " << i;
  }
  // Every one of them can publish to another; as each next line must be
  // exactly its neighbour's message, nobody got anybody else's before.
  for (int i = 0; i < kConnections; ++i) {
    int to = (i + 1) % kConnections;
    ASSERT_TRUE(clients[i].send("PUB own." + std::to_string(to) + " from " + std::to_string(i) + "\n"));
  }
  for (int i = 0; i < kConnections; ++i) {
    int from = (i + kConnections - 1) % kConnections;
    ASSERT_TRUE(clients[i].expectLine("MSG own." + std::to_string(i) + " from " + std::to_string(from),
                                      milliseconds(10'000)))
        << "connection " << i;
  }
}

}  // namespace
}  // namespace linecast::test
