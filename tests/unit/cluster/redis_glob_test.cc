#include "cluster/redis_glob.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace linecast
