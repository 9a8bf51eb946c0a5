#include "threads/core_count.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

TEST(CoreCount, CpuMaxWithoutALimitIsZero) {
  EXPECT_EQ(coresFromCpuMax("max 100000\n"), 0u);
  EXPECT_EQ(coresFromCpuMax(""), 0u);
  EXPECT_EQ(coresFromCpuMax("garbage"), 0u);
  EXPECT_EQ(coresFromCpuMax("0 100000"), 0u);
  EXPECT_EQ(coresFromCpuMax("100000 0"), 0u);
  EXPECT_EQ(coresFromCpuMax("-5 100000"), 0u);
}

TEST(CoreCount, CpuMaxQuotaRoundsUpToWholeCores) {
  EXPECT_EQ(coresFromCpuMax("200000 100000\n"), 2u);
  EXPECT_EQ(coresFromCpuMax("150000 100000"), 2u);  // docker --cpus 1.5
  EXPECT_EQ(coresFromCpuMax("50000 100000"), 1u);   // --cpus 0.5: still one
  EXPECT_EQ(coresFromCpuMax("1600000 100000"), 16u);
}

TEST(CoreCount, OneReactorPerTwoCoresAtLeastOne) {
  EXPECT_EQ(defaultReactorThreads(1), 1u);
  EXPECT_EQ(defaultReactorThreads(2), 1u);
  EXPECT_EQ(defaultReactorThreads(3), 1u);
  EXPECT_EQ(defaultReactorThreads(4), 2u);
  EXPECT_EQ(defaultReactorThreads(16), 8u);
}

TEST(CoreCount, UsableCoresIsAtLeastOne) { EXPECT_GE(usableCores(), 1u); }

}  // namespace
}  // namespace linecast
