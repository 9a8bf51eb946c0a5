#include "loadgen/target.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <gtest/gtest.h>

namespace linecast::bench {
namespace {

bool loopback4(const char* text) {
  sockaddr_in in{};
  in.sin_family = AF_INET;
  inet_pton(AF_INET, text, &in.sin_addr);
  return isLoopback(reinterpret_cast<sockaddr*>(&in));
}

bool loopback6(const char* text) {
  sockaddr_in6 in6{};
  in6.sin6_family = AF_INET6;
  inet_pton(AF_INET6, text, &in6.sin6_addr);
  return isLoopback(reinterpret_cast<sockaddr*>(&in6));
}

TEST(Target, OnlyLoopbackCountsAsLoopback) {
  EXPECT_TRUE(loopback4("127.0.0.1"));
  EXPECT_TRUE(loopback4("127.255.3.4"));
  EXPECT_FALSE(loopback4("10.0.0.1"));
  EXPECT_FALSE(loopback4("192.168.1.1"));
  EXPECT_FALSE(loopback4("0.0.0.0"));
  EXPECT_FALSE(loopback4("128.0.0.1"));
  EXPECT_TRUE(loopback6("::1"));
  EXPECT_TRUE(loopback6("::ffff:127.0.0.1"));
  EXPECT_FALSE(loopback6("::ffff:10.0.0.1"));
  EXPECT_FALSE(loopback6("::"));
  EXPECT_FALSE(loopback6("fe80::1"));
}

TEST(Target, RefusesARemoteTargetUnlessAllowed) {
  Target remote = resolveTarget("10.1.2.3", 7400, false);
  EXPECT_NE(remote.error.find("--allow-remote"), std::string::npos);
  // Resolving only; nothing is sent.
  EXPECT_EQ(resolveTarget("10.1.2.3", 7400, true).error, "");
}

TEST(Target, AcceptsLoopback) {
  Target t = resolveTarget("127.0.0.1", 7400, false);
  EXPECT_EQ(t.error, "");
  EXPECT_EQ(t.text, "127.0.0.1:7400");
  EXPECT_EQ(resolveTarget("::1", 9, false).text, "[::1]:9");
}

TEST(Targets, SubscribersTakeTheirPortsInTurnOrThePublishersAddress) {
  Targets one = resolveTargets("127.0.0.1", 7400, {}, false);
  EXPECT_EQ(one.text(), "127.0.0.1:7400");
  EXPECT_EQ(one.ofSubscriber(3).text, "127.0.0.1:7400");
  Targets spread = resolveTargets("127.0.0.1", 7400, {7500, 7600}, false);
  EXPECT_EQ(spread.error(), "");
  EXPECT_EQ(spread.text(), "127.0.0.1:7400 -> 127.0.0.1:7500,127.0.0.1:7600");
  EXPECT_EQ(spread.ofSubscriber(0).text, "127.0.0.1:7500");
  EXPECT_EQ(spread.ofSubscriber(1).text, "127.0.0.1:7600");
  EXPECT_EQ(spread.ofSubscriber(4).text, "127.0.0.1:7500");
  // Every address is checked, not only the publishers'.
  EXPECT_NE(resolveTargets("10.1.2.3", 7400, {7500}, false).error().find("--allow-remote"),
            std::string::npos);
}

}  // namespace
}  // namespace linecast::bench
