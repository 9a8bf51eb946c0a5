#include "auth/permissions.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

TEST(PatternWithin, IsTheSubsetRelationOfPatterns) {
  struct Case {
    const char* inner;
    const char* outer;
    bool within;
  };
  const Case cases[] = {
      {"room1.*.volume", "room1.>", true},  // the spec's examples
      {"room1.>", "room1.*", false},
      {"room1.tv", "room1.tv", true},
      {"room1.tv", "room1.*", true},
      {"room1.*", "room1.*", true},
      {"room1.*", "room1.tv", false},
      {"room1.>", "room1.>", true},
      {"room1.a.>", "room1.>", true},
      {"room1", "room1.>", false},  // > needs one more token
      {"room1.a", ">", true},
      {">", ">", true},
      {"*", ">", true},
      {">", "*", false},
      {"a.b", "a.b.c", false},
      {"a.b.c", "a.b", false},
      {"a.*.c", "a.b.c", false},
      {"a.b.c", "*.*.*", true},
      {"a.>", "*.>", true},
      {"a.>", "*.*", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(patternWithin(c.inner, c.outer), c.within) << c.inner << " within " << c.outer;
  }
}

TEST(Permissions, EachListAnswersItsQuestion) {
  Permissions tv{{"room1.tv.>"}, {"room1.>"}, {"room1.admin.>"}};
  EXPECT_TRUE(tv.mayPublish("room1.tv.volume"));
  EXPECT_FALSE(tv.mayPublish("room1.tv"));
  EXPECT_FALSE(tv.mayPublish("room2.tv.volume"));
  EXPECT_TRUE(tv.maySubscribe("room1.*.volume"));
  EXPECT_TRUE(tv.maySubscribe("room1.admin.x"));  // allowed, and receives nothing
  EXPECT_FALSE(tv.maySubscribe(">"));
  EXPECT_TRUE(tv.deniesDelivery("room1.admin.reboot"));
  EXPECT_FALSE(tv.deniesDelivery("room1.tv.volume"));
  Permissions none;  // a missing list allows nothing
  EXPECT_FALSE(none.mayPublish("a"));
  EXPECT_FALSE(none.maySubscribe("a"));
  EXPECT_FALSE(none.deniesDelivery("a"));
}

TEST(Permissions, PatternsMatchMqttTopicLevelsAsTokens) {
  EXPECT_TRUE(patternMatchesTopic(">", "/TopicA"));
  EXPECT_TRUE(patternMatchesTopic(">", "a b/c"));
  EXPECT_TRUE(patternMatchesTopic("room1.*.volume", "room1/tv/volume"));
  EXPECT_FALSE(patternMatchesTopic("room1.*.volume", "room1/tv"));
  EXPECT_FALSE(patternMatchesTopic("a.>", "a"));
  EXPECT_TRUE(patternMatchesTopic("a", "a"));
  EXPECT_FALSE(patternMatchesTopic("a", "a/"));
  EXPECT_TRUE(patternMatchesTopic("*.x", "/x"));
}

TEST(Permissions, FilterWithinPattern) {
  EXPECT_TRUE(filterWithin("a/#", "a.>"));
  EXPECT_TRUE(filterWithin("#", ">"));
  EXPECT_TRUE(filterWithin("a/+/c", "a.>"));
  EXPECT_TRUE(filterWithin("a/+/c", "a.*.c"));
  EXPECT_FALSE(filterWithin("a/#", "a.*"));
  EXPECT_FALSE(filterWithin("+/b", "a.b"));
  EXPECT_FALSE(filterWithin("a/b", "a.b.c"));
  EXPECT_TRUE(filterWithin("a b/c", ">"));
}

TEST(Permissions, MqttQuestions) {
  Permissions p{{"room1.tv.>"}, {"room1.>"}, {"room1.admin.>"}};
  EXPECT_TRUE(p.mayPublishTopic("room1/tv/volume"));
  EXPECT_FALSE(p.mayPublishTopic("room1/tv"));
  EXPECT_TRUE(p.maySubscribeFilter("room1/#"));
  EXPECT_FALSE(p.maySubscribeFilter("#"));
  // "room1/#" is allowed, but the message on "room1" itself is not.
  EXPECT_FALSE(p.maySubscribeTopic("room1"));
  EXPECT_TRUE(p.maySubscribeTopic("room1/x"));
  EXPECT_TRUE(p.deniesTopic("room1/admin/x"));
  EXPECT_FALSE(p.deniesTopic("room1/tv/x"));
}

}  // namespace
}  // namespace linecast
