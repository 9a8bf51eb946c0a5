#include "cluster/redis_subscriptions.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

using Commands = RedisSubscriptions::Commands;

Commands synced(RedisSubscriptions& subs) {
  Commands out;
  subs.sync(out);
  return out;
}

TEST(RedisSubscriptions, OneSubscribePerNameHoweverManyHoldIt) {
  RedisSubscriptions subs;
  subs.add(false, "a");
  subs.add(false, "a");
  subs.add(true, "b.*");
  Commands first = synced(subs);
  EXPECT_EQ(first.subscribe, std::vector<std::string>{"a"});
  EXPECT_EQ(first.psubscribe, std::vector<std::string>{"b.*"});
  EXPECT_EQ(subs.held(), 2u);
  subs.remove(false, "a");
  EXPECT_TRUE(synced(subs).empty());  // one holder left
  subs.remove(false, "a");
  Commands last = synced(subs);
  EXPECT_EQ(last.unsubscribe, std::vector<std::string>{"a"});
  EXPECT_EQ(subs.held(), 1u);
}

TEST(RedisSubscriptions, ChannelAndPatternOfTheSameTextAreDistinct) {
  RedisSubscriptions subs;
  subs.add(false, "x");
  subs.add(true, "x");
  Commands out = synced(subs);
  EXPECT_EQ(out.subscribe.size(), 1u);
  EXPECT_EQ(out.psubscribe.size(), 1u);
}

TEST(RedisSubscriptions, AComeAndGoWithinOneSyncSendsNothing) {
  RedisSubscriptions subs;
  subs.add(false, "a");
  subs.remove(false, "a");
  EXPECT_TRUE(synced(subs).empty());
  EXPECT_EQ(subs.held(), 0u);
}

TEST(RedisSubscriptions, ResubscribeWaitsForTheUnsubscribeAnswer) {
  RedisSubscriptions subs;
  subs.add(false, "a");
  synced(subs);
  subs.remove(false, "a");
  EXPECT_EQ(synced(subs).unsubscribe.size(), 1u);
  EXPECT_FALSE(subs.resubscribing());
  subs.add(false, "a");
  EXPECT_TRUE(synced(subs).empty());  // the UNSUBSCRIBE is still unanswered
  EXPECT_TRUE(subs.resubscribing());
  subs.unsubscribed(false, "a");
  EXPECT_FALSE(subs.resubscribing());
  EXPECT_EQ(synced(subs).subscribe, std::vector<std::string>{"a"});
}

TEST(RedisSubscriptions, AComebackThatLeavesAgainIsNotResubscribing) {
  RedisSubscriptions subs;
  subs.add(false, "a");
  synced(subs);
  subs.remove(false, "a");
  synced(subs);
  subs.add(false, "a");
  subs.remove(false, "a");
  EXPECT_FALSE(subs.resubscribing());
  subs.add(false, "a");
  subs.linkLost();
  EXPECT_FALSE(subs.resubscribing());
}

TEST(RedisSubscriptions, LinkLostSubscribesEverythingHeldAgain) {
  RedisSubscriptions subs;
  subs.add(false, "a");
  subs.add(true, "b*");
  subs.add(false, "gone");
  synced(subs);
  subs.remove(false, "gone");
  synced(subs);  // UNSUBSCRIBE gone, never answered: the link dropped
  subs.linkLost();
  Commands again = synced(subs);
  EXPECT_EQ(again.subscribe, std::vector<std::string>{"a"});
  EXPECT_EQ(again.psubscribe, std::vector<std::string>{"b*"});
  EXPECT_TRUE(again.unsubscribe.empty());
}

TEST(RedisSubscriptions, RemovingWhatWasNeverAddedChangesNothing) {
  RedisSubscriptions subs;
  subs.remove(false, "never");
  EXPECT_TRUE(synced(subs).empty());
  subs.add(false, "a");
  subs.remove(false, "a");
  subs.remove(false, "a");
  EXPECT_TRUE(synced(subs).empty());
  EXPECT_EQ(subs.held(), 0u);
}

}  // namespace
}  // namespace linecast
