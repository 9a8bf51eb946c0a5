#include "loadgen/plan.h"

#include <gtest/gtest.h>

namespace linecast::bench {
namespace {

// The closed form against counting message by message.
TEST(Plan, ExpectedDeliveriesMatchBruteForce) {
  for (std::uint32_t P : {1u, 2u, 3u, 4u, 6u}) {
    for (std::uint32_t S : {0u, 1u, 4u, 7u, 10u}) {
      for (std::uint32_t C : {1u, 2u, 3u, 4u, 9u}) {
        Plan plan{P, S, C};
        for (std::uint32_t p = 0; p < P; ++p) {
          std::uint64_t brute = 0;
          for (std::uint64_t k = 0; k < 50; ++k) {
            std::uint32_t channel = plan.channelOfMessage(p, k);
            for (std::uint32_t s = 0; s < S; ++s) brute += plan.channelOfSubscriber(s) == channel;
            ASSERT_EQ(plan.expectedDeliveries(p, k + 1), brute)
                << "P=" << P << " S=" << S << " C=" << C << " p=" << p << " n=" << k + 1;
          }
        }
      }
    }
  }
}

TEST(Plan, PublishersInterleaveOverTheChannels) {
  Plan fourOnFour{4, 4, 4};
  for (std::uint32_t p = 0; p < 4; ++p) {
    EXPECT_EQ(fourOnFour.channelOfMessage(p, 0), p);
    EXPECT_EQ(fourOnFour.channelOfMessage(p, 9), p);  // each publisher keeps its channel
    EXPECT_EQ(fourOnFour.channelOfSubscriber(p), p);
  }
  Plan fanOut{1, 10, 1};
  EXPECT_EQ(fanOut.expectedDeliveries(0, 1000), 10'000u);
}

TEST(Plan, QuotasAddUpToTheTotal) {
  Plan plan{3, 1, 1};
  EXPECT_EQ(plan.quotaOf(0, 10) + plan.quotaOf(1, 10) + plan.quotaOf(2, 10), 10u);
  EXPECT_EQ(plan.quotaOf(0, 10), 4u);
  EXPECT_EQ(plan.quotaOf(2, 10), 3u);
  EXPECT_EQ(plan.quotaOf(1, 0), UINT64_MAX);
}

}  // namespace
}  // namespace linecast::bench
