#include "cluster/interest_acks.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

TEST(InterestAcks, ConfirmedOnceEveryReceiverAcknowledged) {
  InterestAcks acks;
  acks.advertised(1, 2);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);  // the same node twice counts once
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("c", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
  EXPECT_EQ(acks.pending(), 0u);
}

TEST(InterestAcks, NoOtherReceiverConfirmsAtOnce) {
  InterestAcks acks;
  acks.advertised(3, 0);
  EXPECT_EQ(acks.confirmed(), 3u);
}

TEST(InterestAcks, AnAckCountsForItsOwnSeqOnly) {
  InterestAcks acks;
  acks.advertised(1, 1);
  acks.advertised(2, 2);
  acks.acknowledged("d", 2);  // d joined after 1 went out: says nothing of b
  acks.acknowledged("b", 2);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, AnAckBeforeRedisAnsweredIsKept) {
  InterestAcks acks;
  acks.advertised(1, 1);
  acks.acknowledged("b", 2);  // on the subscribe link, before the EVAL's answer
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
  acks.advertised(2, 1);
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, LaterAdvertisementWaitsBehindAnEarlierOne) {
  InterestAcks acks;
  acks.advertised(1, 2);
  acks.advertised(2, 1);
  acks.acknowledged("b", 2);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  acks.acknowledged("c", 1);
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, GoneNodeIsNoLongerWaitedFor) {
  InterestAcks acks;
  acks.advertised(1, 2);
  acks.advertised(2, 1);
  acks.acknowledged("b", 1);
  acks.gone("c");  // 1 needs b only now; 2 needed one, c had not acked it
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, GoneNodeThatAckedTakesNothingAway) {
  InterestAcks acks;
  acks.advertised(1, 2);
  acks.acknowledged("b", 1);
  acks.gone("b");
  EXPECT_EQ(acks.confirmed(), 0u);  // still waits for the other receiver
  acks.acknowledged("c", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
}

TEST(InterestAcks, ExcusedReceiversAreNotWaitedForAndTheirAcksDoNotCount) {
  InterestAcks acks;
  // Received by this node, b, and c: c was dropped (stopped) but its link
  // is still subscribed.
  acks.advertised(1, 3, {"c"});
  acks.acknowledged("self", 1);
  acks.acknowledged("c", 1);  // c resumed: its ack must not stand in for b's
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
}

TEST(InterestAcks, AnEarlyAckOfAnExcusedNodeDoesNotCount) {
  InterestAcks acks;
  acks.acknowledged("c", 1);
  acks.advertised(1, 2, {"c"});
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
}

TEST(InterestAcks, GivingUpConfirmsUpToTheSeq) {
  InterestAcks acks;
  acks.advertised(1, 1);
  acks.advertised(2, 1);
  acks.advertised(3, 1);
  acks.acknowledged("b", 3);
  acks.giveUp(1);
  EXPECT_EQ(acks.confirmed(), 1u);  // 2 still waits
  acks.acknowledged("b", 2);
  EXPECT_EQ(acks.confirmed(), 3u);
}

TEST(InterestAcks, LinkLostForgetsEverythingAndNumberingMayStartOver) {
  InterestAcks acks;
  acks.advertised(4, 1);
  acks.advertised(5, 1);
  acks.linkLost();
  EXPECT_EQ(acks.pending(), 0u);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.advertised(1, 1);  // Redis restarted empty
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
}

}  // namespace
}  // namespace linecast
