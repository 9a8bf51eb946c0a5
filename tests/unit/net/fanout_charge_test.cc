// Connection::fanoutCharge: small fan-outs are charged up to 16 times their
// bytes, so a turn appends about 4 MiB to a hundred subscribers (what the
// cache holds until the flush) and still 64 MiB to ten thousand.

#include <gtest/gtest.h>

#include "net/connection.h"

namespace linecast {
namespace {

// The bytes a turn appends before its budget is spent.
std::size_t appendedPerTurn(std::size_t subscribers, std::size_t frame) {
  return Connection::kFanoutBudget / Connection::fanoutCharge(subscribers, frame) * subscribers * frame;
}

TEST(FanoutCharge, SmallFanOutsSpendTheBudgetSixteenTimesFaster) {
  EXPECT_EQ(Connection::fanoutCharge(2, 100), 2u * 100 * 16);
  EXPECT_EQ(Connection::fanoutCharge(100, 80), 100u * 80 * 16);
  EXPECT_EQ(Connection::fanoutCharge(128, 80), 128u * 80 * 16);
  EXPECT_NEAR(static_cast<double>(appendedPerTurn(100, 80)), 4.0 * 1024 * 1024, 100 * 80);
}

TEST(FanoutCharge, LargeFanOutsKeepTheWholeBudget) {
  EXPECT_EQ(Connection::fanoutCharge(1000, 30), 1000u * 30 * 2);
  EXPECT_EQ(Connection::fanoutCharge(2048, 30), 2048u * 30);
  EXPECT_EQ(Connection::fanoutCharge(10000, 30), 10000u * 30);
  EXPECT_NEAR(static_cast<double>(appendedPerTurn(10000, 30)), 64.0 * 1024 * 1024, 10000 * 30);
}

TEST(FanoutCharge, EachSubscriberGetsAtLeast32KiBPerTurnUpTo64MiB) {
  for (std::size_t subscribers : {129u, 200u, 500u, 1000u, 2000u}) {
    std::size_t perSubscriber = appendedPerTurn(subscribers, 40) / subscribers;
    EXPECT_GE(perSubscriber + 40, std::size_t{32} * 1024) << subscribers;
  }
}

}  // namespace
}  // namespace linecast
