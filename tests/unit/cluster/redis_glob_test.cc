#include "cluster/redis_glob.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cluster/redis_mqtt_interest.h"
#include "protocols/mqtt/mqtt_topic.h"

#include "routing/channel.h"
#include "routing/glob_match.h"

namespace linecast {
namespace {

TEST(RedisGlob, ExactPatternIsAChannel) {
  RedisInterest interest = redisInterestForLinePattern("room1.tv");
  EXPECT_FALSE(interest.pattern);
  EXPECT_EQ(interest.text, "room1.tv");
  // A channel needs no escaping: SUBSCRIBE takes it literally.
  EXPECT_EQ(redisInterestForLinePattern("a[1]").text, "a[1]");
}

TEST(RedisGlob, WildcardsBecomeStars) {
  EXPECT_EQ(redisInterestForLinePattern("room1.*").text, "room1.*");
  EXPECT_EQ(redisInterestForLinePattern("room1.>").text, "room1.*");
  EXPECT_EQ(redisInterestForLinePattern("*.tv").text, "*.tv");
  EXPECT_EQ(redisInterestForLinePattern(">").text, "*");
  EXPECT_TRUE(redisInterestForLinePattern("a.*.c").pattern);
}

TEST(RedisGlob, GlobCharactersInLiteralTokensAreEscaped) {
  EXPECT_EQ(redisInterestForLinePattern("a?.[x].*").text, "a\\?.\\[x\\].*");
  EXPECT_EQ(redisInterestForLinePattern("b\\c.>").text, "b\\\\c.*");
}

// The glob must match every channel the line pattern matches (Redis may
// send more; the node re-checks), for a spread of patterns and channels.
TEST(RedisGlob, NeverNarrowerThanTheLinePattern) {
  const char* patterns[] = {"a.*", "a.>", "*.b", "*.*", ">", "a.*.c", "a?.>", "[x].*", "a\\b.*", "*"};
  const char* channels[] = {"a.b", "a.b.c", "x.b", "a.x.c", "a?.z", "[x].y", "a\\b.q", "a", "b", "a?x.z"};
  for (const char* p : patterns) {
    RedisInterest interest = redisInterestForLinePattern(p);
    for (const char* c : channels) {
      if (!patternMatches(p, c)) continue;
      EXPECT_TRUE(globMatch(interest.text, c)) << p << " -> " << interest.text << " misses " << c;
    }
  }
}

std::vector<std::string> namesOf(std::string_view filter) {
  std::vector<RedisInterest> out;
  redisInterestsForMqttFilter(filter, out);
  std::vector<std::string> names;
  for (const RedisInterest& r : out) names.push_back((r.pattern ? "p:" : "c:") + r.text);
  return names;
}

TEST(RedisMqttInterest, AFilterThatIsAChannelsTopicIsThatChannel) {
  EXPECT_EQ(namesOf("room1/tv"), (std::vector<std::string>{"c:room1.tv"}));
}

TEST(RedisMqttInterest, AnMqttOnlyTopicIsItselfAndItsChannelImage) {
  EXPECT_EQ(namesOf("a b/c"), (std::vector<std::string>{"c:a b.c", "c:a b/c"}));
  EXPECT_EQ(namesOf("a b"), (std::vector<std::string>{"c:a b"}));  // the same name once
  EXPECT_EQ(namesOf("$SYS/x"), (std::vector<std::string>{"c:$SYS/x"}));  // no channel has a '$' topic
  EXPECT_EQ(namesOf("k/x.y"), (std::vector<std::string>{"c:k/x.y"}));  // nor a level with '.'
}

TEST(RedisMqttInterest, WildcardsBecomeGlobsOfBothShapesAndHashAddsTheParent) {
  EXPECT_EQ(namesOf("a/+/c"), (std::vector<std::string>{"p:a.*.c", "p:a/*/c"}));
  EXPECT_EQ(namesOf("a/#"), (std::vector<std::string>{"p:a.*", "p:a/*", "c:a"}));
  EXPECT_EQ(namesOf("#"), (std::vector<std::string>{"p:*"}));
  EXPECT_EQ(namesOf("$SYS/#"), (std::vector<std::string>{"p:$SYS/*", "c:$SYS"}));
  EXPECT_EQ(namesOf("a?/+"), (std::vector<std::string>{"p:a\\?.*", "p:a\\?/*"}));
}

// What a filter matches reaches the node by one of its names: a channel's
// message by the channel, an MQTT-only topic's by the topic.
TEST(RedisMqttInterest, NeverNarrowerThanTheFilter) {
  const char* filters[] = {"a/+", "a/#", "#", "+/b", "a/+/c", "a b/#", "$SYS/#", "+", "a//+", "x.y/+", "a?/#"};
  const char* topics[] = {"a/b", "a", "a/b/c", "x/b", "a b", "a b/c", "$SYS/t", "a//q", "x.y/z", "a?/b", "/b"};
  for (const char* f : filters) {
    std::vector<RedisInterest> names;
    redisInterestsForMqttFilter(f, names);
    for (const char* t : topics) {
      if (!mqttFilterMatches(f, t)) continue;
      std::string channel;
      std::string carried = mqttTopicToChannel(t, channel) ? channel : std::string(t);
      bool reached = false;
      for (const RedisInterest& r : names) reached |= r.pattern ? globMatch(r.text, carried) : r.text == carried;
      EXPECT_TRUE(reached) << f << " misses " << t << " (carried on " << carried << ")";
    }
  }
}

}  // namespace
}  // namespace linecast
