#include "cluster/cluster_url.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

ClusterUrl parsed(std::string_view text) {
  auto result = parseClusterUrl(text);
  EXPECT_TRUE(std::holds_alternative<ClusterUrl>(result)) << text << ": " << std::get<std::string>(result);
  return std::holds_alternative<ClusterUrl>(result) ? std::get<ClusterUrl>(result) : ClusterUrl{};
}

std::string problem(std::string_view text) {
  auto result = parseClusterUrl(text);
  EXPECT_TRUE(std::holds_alternative<std::string>(result)) << text << " was accepted";
  return std::holds_alternative<std::string>(result) ? std::get<std::string>(result) : std::string();
}

TEST(ClusterUrl, HostAndPort) {
  ClusterUrl url = parsed("redis://127.0.0.1:6380");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 6380);
  EXPECT_EQ(url.user, "");
  EXPECT_EQ(url.password, "");
  EXPECT_EQ(url.database, 0);
}

TEST(ClusterUrl, PortDefaultsToRedis) { EXPECT_EQ(parsed("redis://redis").port, 6379); }

TEST(ClusterUrl, UserPasswordAndDatabase) {
  ClusterUrl url = parsed("redis://alice:s3cret@redis.local:7000/2");
  EXPECT_EQ(url.user, "alice");
  EXPECT_EQ(url.password, "s3cret");
  EXPECT_EQ(url.host, "redis.local");
  EXPECT_EQ(url.port, 7000);
  EXPECT_EQ(url.database, 2);
}

TEST(ClusterUrl, PasswordAloneAndPercentEncoding) {
  ClusterUrl alone = parsed("redis://only@h:1");
  EXPECT_EQ(alone.user, "");
  EXPECT_EQ(alone.password, "only");
  ClusterUrl encoded = parsed("redis://u%40x:p%3Aw%2F@h:1");
  EXPECT_EQ(encoded.user, "u@x");
  EXPECT_EQ(encoded.password, "p:w/");
  // A raw '@' in the password: the last one ends the credentials.
  EXPECT_EQ(parsed("redis://u:a@b@h:1").password, "a@b");
}

TEST(ClusterUrl, Ipv6InBrackets) {
  ClusterUrl url = parsed("redis://[::1]:6379");
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 6379);
}

TEST(ClusterUrl, MalformedOnesSayWhy) {
  EXPECT_NE(problem("http://h:1").find("redis://"), std::string::npos);
  EXPECT_NE(problem("redis://").find("no host"), std::string::npos);
  EXPECT_NE(problem("redis://h:").find("empty port"), std::string::npos);
  EXPECT_NE(problem("redis://h:70000").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://h:0").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://h:12x").find("port"), std::string::npos);
  EXPECT_NE(problem("redis://h:1/db").find("database"), std::string::npos);
  EXPECT_NE(problem("redis://u:%zz@h:1").find("percent"), std::string::npos);
  EXPECT_NE(problem("redis://u:%4@h:1").find("percent"), std::string::npos);
  EXPECT_NE(problem("redis://[::1:1").find("]"), std::string::npos);
  EXPECT_NE(problem("redis://ho st:1").find("host"), std::string::npos);
}

TEST(ClusterUrl, SentinelsAndMasterName) {
  ClusterUrl url = parsed("sentinel://10.0.0.1:26380,sentinel.local,[::1]:5000/mymaster");
  ASSERT_EQ(url.sentinels.size(), 3u);
  EXPECT_TRUE(url.viaSentinels());
  EXPECT_EQ(url.sentinels[0].host, "10.0.0.1");
  EXPECT_EQ(url.sentinels[0].port, 26380);
  EXPECT_EQ(url.sentinels[1].host, "sentinel.local");
  EXPECT_EQ(url.sentinels[1].port, 26379);  // Sentinel's port by default
  EXPECT_EQ(url.sentinels[2].host, "::1");
  EXPECT_EQ(url.sentinels[2].port, 5000);
  EXPECT_EQ(url.masterName, "mymaster");
  EXPECT_EQ(url.host, "");  // the Sentinels name the master
  EXPECT_FALSE(parsed("redis://h:1").viaSentinels());
}

TEST(ClusterUrl, SentinelCredentialsAreTheMasters) {
  ClusterUrl url = parsed("sentinel://alice:p%2Cw@b@h:1,h:2/m-1.x");
  EXPECT_EQ(url.user, "alice");
  EXPECT_EQ(url.password, "p,w@b");
  EXPECT_EQ(url.sentinels.size(), 2u);
  EXPECT_EQ(url.masterName, "m-1.x");
  EXPECT_EQ(parsed("sentinel://only@h:1/m").password, "only");
}

TEST(ClusterUrl, MalformedSentinelUrlsSayWhy) {
  EXPECT_NE(problem("sentinel://h:1").find("MASTER-NAME"), std::string::npos);
  EXPECT_NE(problem("sentinel://h:1/").find("no master name"), std::string::npos);
  EXPECT_NE(problem("sentinel://h:1/my master").find("master name"), std::string::npos);
  EXPECT_NE(problem("sentinel:///m").find("no host"), std::string::npos);
  EXPECT_NE(problem("sentinel://h:1,/m").find("no host (sentinel 2)"), std::string::npos);
  EXPECT_NE(problem("sentinel://h:1,h:99999/m").find("port"), std::string::npos);
  EXPECT_NE(problem("sentinel://h:1,h:/m").find("empty port"), std::string::npos);
  EXPECT_NE(problem("sentinel://u:%zz@h:1/m").find("percent"), std::string::npos);
  EXPECT_NE(problem("sentinel://[::1/m").find("]"), std::string::npos);
  EXPECT_NE(problem("sentinels://h:1/m").find("sentinel://"), std::string::npos);
}

TEST(ClusterUrl, RedactedHidesThePasswordOnly) {
  EXPECT_EQ(redactedClusterUrl("redis://alice:s3cret@h:1/2"), "redis://alice:***@h:1/2");
  EXPECT_EQ(redactedClusterUrl("redis://s3cret@h:1"), "redis://***@h:1");
  EXPECT_EQ(redactedClusterUrl("redis://a:p@ss@h:1"), "redis://a:***@h:1");
  EXPECT_EQ(redactedClusterUrl("redis://h:1"), "redis://h:1");
  EXPECT_EQ(redactedClusterUrl("redis://h:1/x@y"), "redis://h:1/x@y");
  EXPECT_EQ(redactedClusterUrl("u:p@h"), "u:***@h");
  EXPECT_EQ(redactedClusterUrl("sentinel://alice:s3cret@h:1,h:2/m"), "sentinel://alice:***@h:1,h:2/m");
  EXPECT_EQ(redactedClusterUrl("sentinel://s3cret@h:1/m"), "sentinel://***@h:1/m");
}

}  // namespace
}  // namespace linecast
