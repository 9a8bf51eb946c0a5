// Connection's times in 32 bits (RecentTime, issue 14 step 4): ages and
// deadlines read right across the 2^32 ms wrap of the millisecond count,
// an old last activity is held at RecentTime::kMaxAge instead of wrapping
// to a young one, and a drain deadline only ever moves earlier.

#include <gtest/gtest.h>

#include <algorithm>

#include "net/connection.h"
#include "net/recent_time.h"

namespace linecast {
namespace {

constexpr double kWrap = 4294967.296;  // 2^32 ms in seconds

TEST(RecentTime, AgeAndDeadlineAcrossTheWrap) {
  double at = kWrap - 1.5;  // 1.5 s before the count wraps
  RecentTime moment(at);
  EXPECT_DOUBLE_EQ(moment.secondsBefore(at), 0.0);
  EXPECT_NEAR(moment.secondsBefore(at + 3.25), 3.25, 0.001);
  EXPECT_NEAR(moment.secondsBefore(at - 2.0), -2.0, 0.001);  // still ahead
  EXPECT_NEAR(moment.secondsBefore(at + 10 * 24 * 3600.0), 10 * 24 * 3600.0, 0.001);
}

TEST(RecentTime, AnOldMomentIsHeldAtTheMaximumAge) {
  RecentTime moment(100.0);
  double now = 100.0;
  // The cron ages it every 0.1 s; here once a day for 60 days (past the
  // 24.8 days at which the 32-bit distance would turn negative).
  for (int day = 1; day <= 60; ++day) {
    now = 100.0 + day * 24 * 3600.0;
    moment.age(now);
    EXPECT_NEAR(moment.secondsBefore(now), std::min(day * 24 * 3600.0, RecentTime::kMaxAge), 0.001) << day;
  }
}

TEST(ConnectionTimes, IdlePartialAndDrainDeadline) {
  EndOfTurn endOfTurn;
  Connection conn(-1, 1, PeerAddress{}, 1024, 1 << 20, endOfTurn, 50.0);
  EXPECT_DOUBLE_EQ(conn.openedAt, 50.0);
  EXPECT_NEAR(conn.idleSeconds(51.5), 1.5, 0.001);
  conn.markActive(52.0);
  EXPECT_NEAR(conn.idleSeconds(52.25), 0.25, 0.001);

  EXPECT_FALSE(conn.partialWaiting());
  conn.notePartial(true, 53.0);
  EXPECT_TRUE(conn.partialWaiting());
  EXPECT_NEAR(conn.partialSeconds(60.0), 7.0, 0.001);
  conn.notePartial(false, 61.0);
  EXPECT_FALSE(conn.partialWaiting());

  EXPECT_FALSE(conn.hasDrainDeadline());
  EXPECT_FALSE(conn.drainDeadlinePassed(1e6));
  conn.tightenDrainDeadline(70.0, 60.0);
  conn.tightenDrainDeadline(80.0, 61.0);  // later: kept at 70
  EXPECT_FALSE(conn.drainDeadlinePassed(69.99));
  EXPECT_TRUE(conn.drainDeadlinePassed(70.0));
  conn.tightenDrainDeadline(65.0, 62.0);  // earlier: taken
  EXPECT_TRUE(conn.drainDeadlinePassed(65.5));

  // A year without a read or write: the cron's ageing keeps idle at the
  // maximum, not a wrapped small number.
  double now = 52.0;
  for (int day = 1; day <= 365; ++day) {
    now = 52.0 + day * 24 * 3600.0;
    conn.ageTimes(now);
  }
  EXPECT_NEAR(conn.idleSeconds(now), RecentTime::kMaxAge, 0.001);
}

}  // namespace
}  // namespace linecast
