// MQTT topics and filters (MQTT 3.1.1 section 4.7) and their mapping onto
// the channel space (docs/PROTOCOL.md, "MQTT 3.1.1": "One channel space").

#include "protocols/mqtt/mqtt_topic.h"

#include <gtest/gtest.h>

#include <initializer_list>
#include <utility>
#include <string>
#include <string_view>
#include <vector>

namespace linecast {
namespace {

using Patterns = std::vector<std::string>;

// Each name has no counterpart: the mapping says false and leaves its
// output empty (it was not).
void expectNoMapping(bool (*map)(std::string_view, std::string&), std::initializer_list<std::string> names) {
  for (const std::string& name : names) {
    std::string out = "stale";
    EXPECT_FALSE(map(name, out)) << name;
    EXPECT_TRUE(out.empty()) << name;
  }
}

TEST(MqttTopicTest, TopicNameValidity) {
  for (const char* ok : {"a", "a/b", "/", "a//b", "$SYS/x", "caf\xC3\xA9", "a b", "a.b*c>"}) {
    EXPECT_TRUE(mqttTopicNameValid(ok)) << ok;
  }
  for (const char* bad : {"", "+", "#", "a/+", "a/#", "a+", "#a"}) EXPECT_FALSE(mqttTopicNameValid(bad)) << bad;
}

TEST(MqttTopicTest, TopicFilterValidity) {
  for (const char* ok : {"a", "#", "+", "a/#", "+/+", "+/#", "/+", "a//b", "a/+/c", "$SYS/#", "/", "+/"}) {
    EXPECT_TRUE(mqttTopicFilterValid(ok)) << ok;
  }
  // 4.7.1-2: '#' alone and last; 4.7.1-3: '+' alone in its level.
  for (const char* bad : {"", "a/#/b", "#/a", "a#", "a/b#", "a+", "+a/b", "a/++", "##", "a/#/"}) {
    EXPECT_FALSE(mqttTopicFilterValid(bad)) << bad;
  }
}

// Both directions of the mapping, and back: {topic, channel}.
const std::pair<std::string, std::string> kMapped[] = {
    {"room1/tv/volume", "room1.tv.volume"},
    {"a", "a"},
    {"A-b_c:1!~/x$y", "A-b_c:1!~.x$y"},
    {"a/$b", "a.$b"},  // '$' only matters at the start
    {std::string(255, 'x'), std::string(255, 'x')},
    {std::string(127, 'x') + "/" + std::string(127, 'y'), std::string(127, 'x') + "." + std::string(127, 'y')},
};

TEST(MqttTopicTest, TopicToChannel) {
  for (const auto& [topic, channel] : kMapped) {
    std::string out = "stale";
    EXPECT_TRUE(mqttTopicToChannel(topic, out)) << topic;
    EXPECT_EQ(out, channel);
  }
  // MQTT-only topics.
  expectNoMapping(mqttTopicToChannel, {"$SYS/broker", "$x", "a//b", "/a", "a/", "/", "a b", "caf\xC3\xA9", "a.b",
                                       "a/*", "a*b", "a/>", "x>", std::string(256, 'x'), "", "a\x7F", "a/+"});
}

TEST(MqttTopicTest, ChannelToTopic) {
  for (const auto& [topic, channel] : kMapped) {
    std::string out;
    EXPECT_TRUE(mqttChannelToTopic(channel, out)) << channel;
    EXPECT_EQ(out, topic);
  }
  // A token holding '/', '+', '#' (or a '*', '>' inside it, which no topic
  // maps back to), or a first token starting with '$'.
  expectNoMapping(mqttChannelToTopic, {"a/b", "a.b/c", "a+", "a.#", "b.c#d", "$SYS.x", "$", "a*b", "a.x>y"});
}

TEST(MqttTopicTest, MappingRoundTrips) {
  std::string channel;
  std::string topic;
  for (const char* t : {"room1/tv/volume", "a", "x/y/z/w", "#x"}) {
    if (!mqttTopicToChannel(t, channel)) continue;
    ASSERT_TRUE(mqttChannelToTopic(channel, topic)) << t;
    EXPECT_EQ(topic, t);
  }
  EXPECT_FALSE(mqttTopicToChannel("#x", channel));
}

struct MatchCase {
  const char* filter;
  const char* topic;
  bool matches;
};

TEST(MqttTopicTest, FilterMatching) {
  const MatchCase cases[] = {
      {"a/b", "a/b", true},
      {"a/b", "a/c", false},
      {"a/b", "a/b/c", false},
      {"a/b/c", "a/b", false},
      {"a/+", "a/b", true},
      {"a/+", "a", false},
      {"a/+", "a/b/c", false},
      {"a/+", "a/", true},  // an empty level is a level
      {"+/x", "a/x", true},
      {"+/x", "/x", true},
      {"+/x", "x", false},
      {"+/+", "/finance", true},  // 4.7.1.3's own examples
      {"/+", "/finance", true},
      {"+", "/finance", false},
      {"a/#", "a", true},  // '#' includes the parent (4.7.1.2)
      {"a/#", "a/b", true},
      {"a/#", "a/b/c", true},
      {"a/#", "ab", false},
      {"a/#", "b/a", false},
      {"#", "a", true},
      {"#", "a/b/c", true},
      {"#", "/", true},
      {"+/#", "a", true},
      {"a//b", "a//b", true},
      {"a/+/b", "a//b", true},
      {"a//b", "a/b", false},
      {"caf\xC3\xA9/+", "caf\xC3\xA9/x", true},
      // 4.7.2-1: '$' topics are not matched by a leading wildcard.
      {"#", "$SYS/broker", false},
      {"+/broker", "$SYS/broker", false},
      {"+", "$SYS", false},
      {"$SYS/#", "$SYS/broker", true},
      {"$SYS/+", "$SYS/broker", true},
      {"a/#", "a/$x", true},
      {"a/b", "A/b", false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(mqttFilterMatches(c.filter, c.topic), c.matches) << c.filter << " vs " << c.topic;
  }
}

TEST(MqttTopicTest, FilterToPatterns) {
  Patterns out{"stale"};
  EXPECT_TRUE(mqttFilterToPatterns("room1/tv/volume", out));
  EXPECT_EQ(out, Patterns{"room1.tv.volume"});
  EXPECT_TRUE(mqttFilterToPatterns("a/+/c", out));
  EXPECT_EQ(out, Patterns{"a.*.c"});
  EXPECT_TRUE(mqttFilterToPatterns("a/#", out));
  EXPECT_EQ(out, (Patterns{"a.>", "a"}));
  EXPECT_TRUE(mqttFilterToPatterns("+/#", out));
  EXPECT_EQ(out, (Patterns{"*.>", "*"}));
  EXPECT_TRUE(mqttFilterToPatterns("#", out));
  EXPECT_EQ(out, Patterns{">"});
  EXPECT_TRUE(mqttFilterToPatterns("+", out));
  EXPECT_EQ(out, Patterns{"*"});
  EXPECT_TRUE(mqttFilterToPatterns("a/b/#", out));
  EXPECT_EQ(out, (Patterns{"a.b.>", "a.b"}));
  // Filters that can match no channel.
  for (std::string bad :
       {std::string("$SYS/#"), std::string("$x"), std::string("a//b"), std::string("a/"), std::string("/+"),
        std::string("a b/#"), std::string("caf\xC3\xA9/+"), std::string("a.b/+"), std::string("a*/#"),
        std::string("a/>"), std::string("a/#/b"), std::string(""), std::string(254, 'x') + "/#x"}) {
    EXPECT_FALSE(mqttFilterToPatterns(bad, out)) << bad;
    EXPECT_TRUE(out.empty()) << bad;
  }
  // 255 bytes is still a pattern; 257 is not.
  EXPECT_TRUE(mqttFilterToPatterns(std::string(253, 'x') + "/#", out));
  EXPECT_EQ(out.size(), 2u);
  EXPECT_FALSE(mqttFilterToPatterns(std::string(255, 'x') + "/#", out));
}

}  // namespace
}  // namespace linecast
