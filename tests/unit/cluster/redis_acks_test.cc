#include "cluster/redis_acks.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace linecast {
namespace {

using Confirmed = std::vector<std::pair<std::size_t, std::uint64_t>>;

Confirmed released(RedisAcks& acks) {
  Confirmed out;
  acks.release([&out](std::size_t thread, std::uint64_t batch) { out.emplace_back(thread, batch); });
  return out;
}

// One turn of thread 0: a thread's batch applied, `names` (P)SUBSCRIBEd.
void turn(RedisAcks& acks, std::size_t thread, std::uint64_t batch, std::size_t names) {
  acks.applied(thread, batch);
  acks.sent(names);
  acks.number(false);
}

TEST(RedisAcks, ABatchIsConfirmedWhenEveryNameSentByThenIsAnswered) {
  RedisAcks acks(2);
  turn(acks, 1, 1, 2);
  EXPECT_TRUE(released(acks).empty());
  acks.answered();
  EXPECT_TRUE(released(acks).empty());  // one of two
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{1, 1}}));
  EXPECT_TRUE(released(acks).empty());  // once
}

TEST(RedisAcks, ABatchThatSentNothingWaitsForWhatWasSentBefore) {
  // Thread 0 subscribed `a`; thread 1 then needs `a` too, already sent but
  // not answered: its batch waits for the same answer.
  RedisAcks acks(2);
  turn(acks, 0, 1, 1);
  turn(acks, 1, 1, 0);
  EXPECT_TRUE(released(acks).empty());
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{0, 1}, {1, 1}}));
}

TEST(RedisAcks, WithEverythingAnsweredABatchIsConfirmedAtOnce) {
  RedisAcks acks(1);
  turn(acks, 0, 1, 1);
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{0, 1}}));
  turn(acks, 0, 2, 0);  // an UNSUB, or a name already held
  EXPECT_EQ(released(acks), (Confirmed{{0, 2}}));
}

TEST(RedisAcks, OnlyTheLatestConfirmedBatchOfAThreadIsReported) {
  RedisAcks acks(1);
  turn(acks, 0, 1, 1);
  turn(acks, 0, 2, 1);
  acks.answered();
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{0, 2}}));
}

TEST(RedisAcks, BatchesWaitToBeNumberedWhileANameWaitsToBeSentAgain) {
  RedisAcks acks(1);
  acks.applied(0, 1);
  acks.number(true);  // its name is sent only after its UNSUBSCRIBE's answer
  EXPECT_TRUE(released(acks).empty());
  acks.sent(1);
  acks.number(false);
  EXPECT_TRUE(released(acks).empty());
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{0, 1}}));
}

TEST(RedisAcks, WithoutRedisEverythingIsConfirmedAndTheCountersStartInStep) {
  RedisAcks acks(2);
  turn(acks, 0, 3, 4);
  acks.applied(1, 1);
  acks.number(true);
  Confirmed out;
  acks.releaseAll([&out](std::size_t thread, std::uint64_t batch) { out.emplace_back(thread, batch); });
  EXPECT_EQ(out, (Confirmed{{0, 3}, {1, 1}}));
  // The link comes back: what is sent now is answered from zero again.
  turn(acks, 0, 4, 1);
  EXPECT_TRUE(released(acks).empty());
  acks.answered();
  EXPECT_EQ(released(acks), (Confirmed{{0, 4}}));
}

TEST(RedisAcks, ARetainedValueIsWaitedForWithOrWithoutTheSubscribeLink) {
  RedisAcks acks(2);
  // Thread 0's batch, the subscribe link up: numbered, then its store.
  acks.applied(0, 1);
  acks.storing();
  acks.number(false);
  // Thread 1's, with the subscribe link down (releaseAll): still its store.
  acks.applied(1, 1);
  acks.storing();
  Confirmed out;
  auto collect = [&out](std::size_t thread, std::uint64_t batch) { out.emplace_back(thread, batch); };
  acks.releaseAll(collect);
  EXPECT_TRUE(out.empty());
  acks.stored();
  acks.releaseAll(collect);
  EXPECT_EQ(out, (Confirmed{{0, 1}}));
  acks.stored();  // answered, or its link lost
  acks.releaseAll(collect);
  EXPECT_EQ(out, (Confirmed{{0, 1}, {1, 1}}));
}

}  // namespace
}  // namespace linecast
