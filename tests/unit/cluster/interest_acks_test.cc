#include "cluster/interest_acks.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

TEST(InterestAcks, ConfirmedOnceEveryNodeAcknowledged) {
  InterestAcks acks;
  acks.advertised(1, {"b", "c"});
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("b", 1);
  EXPECT_EQ(acks.confirmed(), 0u);
  acks.acknowledged("c", 1);
  EXPECT_EQ(acks.confirmed(), 1u);
  EXPECT_EQ(acks.pending(), 0u);
}

TEST(InterestAcks, NoOtherNodeConfirmsAtOnce) {
  InterestAcks acks;
  acks.advertised(3, {});
  EXPECT_EQ(acks.confirmed(), 3u);
}

TEST(InterestAcks, AcknowledgmentsAreCumulative) {
  InterestAcks acks;
  acks.advertised(1, {"b"});
  acks.advertised(2, {"b"});
  acks.advertised(3, {"b"});
  acks.acknowledged("b", 2);
  EXPECT_EQ(acks.confirmed(), 2u);
  acks.acknowledged("b", 1);  // late and old: changes nothing
  EXPECT_EQ(acks.confirmed(), 2u);
  acks.acknowledged("b", 3);
  EXPECT_EQ(acks.confirmed(), 3u);
}

TEST(InterestAcks, LaterAdvertisementWaitsBehindAnEarlierOne) {
  InterestAcks acks;
  acks.advertised(1, {"b", "c"});
  acks.advertised(2, {"b"});  // c was gone by then, say
  acks.acknowledged("b", 2);
  EXPECT_EQ(acks.confirmed(), 0u);  // 1 still waits for c
  acks.acknowledged("c", 1);
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, GoneNodeIsNoLongerWaitedFor) {
  InterestAcks acks;
  acks.advertised(1, {"b", "c"});
  acks.advertised(2, {"c"});
  acks.acknowledged("b", 1);
  acks.gone("c");
  EXPECT_EQ(acks.confirmed(), 2u);
  acks.gone("c");  // again, or a node never waited for: nothing
  acks.gone("zz");
  EXPECT_EQ(acks.confirmed(), 2u);
}

TEST(InterestAcks, AckFromANodeNotWaitedForChangesNothing) {
  InterestAcks acks;
  acks.advertised(1, {"b"});
  acks.acknowledged("d", 1);  // joined after the advertisement
  EXPECT_EQ(acks.confirmed(), 0u);
}

TEST(InterestAcks, LinkLostReleasesEverything) {
  InterestAcks acks;
  acks.advertised(4, {"b"});
  acks.advertised(5, {"c"});
  acks.linkLost();
  EXPECT_EQ(acks.confirmed(), 5u);
  EXPECT_EQ(acks.pending(), 0u);
  acks.linkLost();  // nothing waited for: confirmed stays
  EXPECT_EQ(acks.confirmed(), 5u);
}

}  // namespace
}  // namespace linecast
