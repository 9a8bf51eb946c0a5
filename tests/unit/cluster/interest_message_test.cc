#include "cluster/interest_message.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

using Kind = InterestMessage::Kind;

TEST(InterestMessage, ChangeRoundTrips) {
  InterestMessage m;
  m.begin(Kind::kChange, "node-b", 0x0102030405060708ull);
  m.add({false, "room 1/tv"}, false);  // a space: names are length-prefixed
  m.add({true, "a.*"}, true);
  m.add({false, ""}, false);
  DecodedInterest d;
  ASSERT_TRUE(decodeInterestMessage(m.bytes(), d));
  EXPECT_EQ(d.kind, Kind::kChange);
  EXPECT_EQ(d.sender, "node-b");
  EXPECT_EQ(d.seq, 0x0102030405060708ull);
  EXPECT_EQ(d.notice.seq, d.seq);
  EXPECT_FALSE(d.notice.reset);
  ASSERT_EQ(d.notice.gained.size(), 2u);
  EXPECT_EQ(d.notice.gained[0].text, "room 1/tv");
  EXPECT_FALSE(d.notice.gained[0].pattern);
  EXPECT_EQ(d.notice.gained[1].text, "");
  ASSERT_EQ(d.notice.lost.size(), 1u);
  EXPECT_EQ(d.notice.lost[0].text, "a.*");
  EXPECT_TRUE(d.notice.lost[0].pattern);
}

TEST(InterestMessage, ResetAckAndGoneRoundTrip) {
  InterestMessage m;
  DecodedInterest d;
  m.begin(Kind::kReset, "b", 7);
  m.add({true, "x.*"}, false);
  ASSERT_TRUE(decodeInterestMessage(m.bytes(), d));
  EXPECT_TRUE(d.notice.reset);
  EXPECT_EQ(d.notice.gained.size(), 1u);

  m.ack("c", "b", 7);
  ASSERT_TRUE(decodeInterestMessage(m.bytes(), d));
  EXPECT_EQ(d.kind, Kind::kAck);
  EXPECT_EQ(d.sender, "c");
  EXPECT_EQ(d.acknowledged, "b");
  EXPECT_EQ(d.seq, 7u);
  EXPECT_TRUE(d.notice.gained.empty());  // nothing left from the reset

  m.begin(Kind::kGone, "b", 0);
  ASSERT_TRUE(decodeInterestMessage(m.bytes(), d));
  EXPECT_EQ(d.kind, Kind::kGone);
  EXPECT_EQ(d.sender, "b");
}

TEST(InterestMessage, EveryTruncationIsRefused) {
  InterestMessage m;
  m.begin(Kind::kChange, "b", 3);
  m.add({false, "chan"}, false);
  std::string whole(m.bytes());
  constexpr std::size_t kHead = 3 + 2 + 8;  // "LIC", sender "b", seq
  for (std::size_t n = 0; n < whole.size(); ++n) {
    DecodedInterest d;
    // Cut right after the head it is a whole change of no names.
    EXPECT_EQ(decodeInterestMessage(std::string_view(whole).substr(0, n), d), n == kHead) << n;
  }
  m.ack("c", "b", 3);
  std::string ack(m.bytes());
  for (std::size_t n = 0; n < ack.size(); ++n) {
    DecodedInterest d;
    EXPECT_FALSE(decodeInterestMessage(std::string_view(ack).substr(0, n), d)) << n;
  }
}

TEST(InterestMessage, MalformedIsRefused) {
  DecodedInterest d;
  EXPECT_FALSE(decodeInterestMessage("LC\x01", d));  // an envelope, not this
  InterestMessage m;
  m.begin(Kind::kChange, "b", 1);
  std::string bytes(m.bytes());
  bytes[2] = 'Z';  // unknown kind
  EXPECT_FALSE(decodeInterestMessage(bytes, d));
  bytes[2] = 'C';
  bytes[3] = '\0';  // empty sender
  EXPECT_FALSE(decodeInterestMessage(bytes, d));

  m.begin(Kind::kChange, "b", 1);
  m.add({false, "x"}, false);
  bytes.assign(m.bytes());
  bytes[3 + 2 + 8] = '\x04';  // an unknown flag
  EXPECT_FALSE(decodeInterestMessage(bytes, d));

  m.begin(Kind::kReset, "b", 1);
  m.add({false, "x"}, true);  // a reset loses nothing
  EXPECT_FALSE(decodeInterestMessage(m.bytes(), d));

  m.begin(Kind::kGone, "b", 0);
  bytes.assign(m.bytes());
  bytes += 'x';  // trailing bytes
  EXPECT_FALSE(decodeInterestMessage(bytes, d));
  m.ack("c", "b", 1);
  bytes.assign(m.bytes());
  bytes += 'x';
  EXPECT_FALSE(decodeInterestMessage(bytes, d));
}

}  // namespace
}  // namespace linecast
