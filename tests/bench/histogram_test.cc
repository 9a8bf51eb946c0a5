#include "loadgen/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

namespace linecast::bench {
namespace {

TEST(Histogram, EmptyReportsZero) {
  Histogram h;
  EXPECT_EQ(h.count(), 0u);
  EXPECT_EQ(h.percentile(0.5), 0u);
  EXPECT_EQ(h.max(), 0u);
  EXPECT_EQ(h.min(), 0u);
}

TEST(Histogram, SmallValuesAreExact) {
  Histogram h;
  for (std::uint64_t v = 1; v <= 100; ++v) h.record(v);
  EXPECT_EQ(h.percentile(0.50), 50u);
  EXPECT_EQ(h.percentile(0.90), 90u);
  EXPECT_EQ(h.percentile(0.99), 99u);
  EXPECT_EQ(h.percentile(1.0), 100u);
  EXPECT_EQ(h.min(), 1u);
  EXPECT_DOUBLE_EQ(h.mean(), 50.5);
}

TEST(Histogram, BucketsAreContiguousAndOrdered) {
  for (std::size_t i = 0; i + 1 < Histogram::kBuckets; ++i) {
    std::uint64_t high = Histogram::bucketHigh(i);
    ASSERT_EQ(Histogram::bucketOf(high), i) << i;
    ASSERT_EQ(Histogram::bucketOf(high + 1), i + 1) << i;
  }
  EXPECT_EQ(Histogram::bucketOf(UINT64_MAX), Histogram::kBuckets - 1);
  EXPECT_EQ(Histogram::bucketHigh(Histogram::kBuckets - 1), UINT64_MAX);
}

TEST(Histogram, UniformDistributionPercentilesWithinPrecision) {
  // 1..1,000,000 once each: the q-quantile is q * 1,000,000.
  Histogram h;
  constexpr std::uint64_t kN = 1'000'000;
  for (std::uint64_t v = 1; v <= kN; ++v) h.record(v);
  for (double q : {0.5, 0.9, 0.99, 0.999}) {
    double truth = q * kN;
    auto got = static_cast<double>(h.percentile(q));
    EXPECT_GE(got, truth) << q;  // rounds up, never flatters
    EXPECT_LE(got, truth * (1 + 1.0 / 128)) << q;
  }
  EXPECT_EQ(h.max(), kN);
  EXPECT_EQ(h.percentile(1.0), kN);
  EXPECT_NEAR(h.mean(), (kN + 1) / 2.0, 1e-6);
}

TEST(Histogram, ExponentialDistributionPercentiles) {
  // Latency-like: exponential with a mean of 100 us in ns; quantile
  // q = -mean * ln(1 - q). Sampling noise is well under the 2% tolerance
  // at a million samples, except far in the tail, checked looser.
  std::mt19937_64 rng(42);
  std::exponential_distribution<double> dist(1.0 / 100'000.0);
  Histogram h;
  for (int i = 0; i < 1'000'000; ++i) h.record(static_cast<std::uint64_t>(dist(rng)));
  auto expectNear = [&](double q, double tolerance) {
    double truth = -100'000.0 * std::log(1 - q);
    EXPECT_NEAR(static_cast<double>(h.percentile(q)) / truth, 1.0, tolerance) << q;
  };
  expectNear(0.5, 0.02);
  expectNear(0.9, 0.02);
  expectNear(0.99, 0.03);
  expectNear(0.999, 0.08);
}

TEST(Histogram, MergeEqualsRecordingEverything) {
  Histogram a, b, all;
  for (std::uint64_t v = 0; v < 50'000; v += 7) {
    (v % 2 ? a : b).record(v * 13);
    all.record(v * 13);
  }
  a.merge(b);
  EXPECT_EQ(a.count(), all.count());
  EXPECT_EQ(a.max(), all.max());
  EXPECT_EQ(a.min(), all.min());
  for (double q : {0.1, 0.5, 0.99, 0.999}) EXPECT_EQ(a.percentile(q), all.percentile(q));
}

TEST(Histogram, HugeValuesStayBounded) {
  Histogram h;
  h.record(UINT64_MAX);
  h.record(1);
  EXPECT_EQ(h.percentile(1.0), UINT64_MAX);
  EXPECT_EQ(h.percentile(0.5), 1u);
}

}  // namespace
}  // namespace linecast::bench
