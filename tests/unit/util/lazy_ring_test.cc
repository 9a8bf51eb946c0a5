#include "util/lazy_ring.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <string>

namespace linecast {
namespace {

TEST(LazyRing, HoldsNoBlockUntilTheFirstElement) {
  LazyRing<std::string> ring;
  EXPECT_TRUE(ring.empty());
  EXPECT_EQ(ring.capacity(), 0u);
  EXPECT_EQ(ring.begin(), ring.end());
  ring.push_back("a");
  EXPECT_EQ(ring.capacity(), 2u);
  EXPECT_EQ(ring.front(), "a");
  EXPECT_EQ(ring.back(), "a");
}

TEST(LazyRing, IsAFifoAcrossTheWrapAndGrowth) {
  LazyRing<int> ring;
  std::deque<int> model;
  int next = 0;
  // Uneven pushes and pops move the head round the block while it grows.
  for (int round = 0; round < 200; ++round) {
    for (int i = 0; i < round % 5 + 1; ++i) {
      ring.push_back(next);
      model.push_back(next++);
    }
    for (int i = 0; i < round % 3 + 1 && !model.empty(); ++i) {
      ASSERT_EQ(ring.front(), model.front());
      ring.pop_front();
      model.pop_front();
    }
    ASSERT_EQ(ring.size(), model.size());
    ASSERT_TRUE(std::equal(ring.begin(), ring.end(), model.begin(), model.end()));
    for (std::size_t i = 0; i < model.size(); ++i) ASSERT_EQ(ring[i], model[i]);
  }
}

TEST(LazyRing, EraseKeepsTheOrderFromEitherSide) {
  for (std::size_t victim = 0; victim < 7; ++victim) {
    LazyRing<std::string> ring;
    ring.push_back("x");
    ring.pop_front();  // the head is off slot 0
    std::deque<std::string> model;
    for (int i = 0; i < 7; ++i) {
      ring.push_back(std::to_string(i));
      model.push_back(std::to_string(i));
    }
    auto after = ring.erase(ring.begin() + static_cast<std::ptrdiff_t>(victim));
    model.erase(model.begin() + static_cast<std::ptrdiff_t>(victim));
    ASSERT_TRUE(std::equal(ring.begin(), ring.end(), model.begin(), model.end())) << victim;
    if (victim < model.size()) {
      EXPECT_EQ(*after, model[victim]);
    }
    EXPECT_EQ(after - ring.begin(), static_cast<std::ptrdiff_t>(victim));
    // The freed slot is a default one again: the next push starts fresh.
    EXPECT_EQ(ring.emplace_back(), "");
  }
}

TEST(LazyRing, IteratorsServeBinarySearch) {
  LazyRing<int> ring;
  for (int i = 0; i < 5; ++i) ring.push_back(i);
  ring.pop_front();
  ring.pop_front();
  for (int i = 5; i < 12; ++i) ring.push_back(i);  // wraps
  auto it = std::lower_bound(ring.begin(), ring.end(), 7);
  ASSERT_NE(it, ring.end());
  EXPECT_EQ(*it, 7);
  EXPECT_EQ(it - ring.begin(), 5);
  const LazyRing<int>& view = ring;
  LazyRing<int>::const_iterator c = it;
  EXPECT_EQ(std::find(view.begin(), view.end(), 7), c);
}

TEST(LazyRing, PopResetsTheSlotAndABigEmptyRingGivesItsBlockBack) {
  LazyRing<std::string> ring;
  ring.push_back(std::string(100, 'p'));
  ring.pop_front();
  EXPECT_EQ(ring.capacity(), 2u);  // small: kept for the next message
  EXPECT_EQ(ring.emplace_back(), "");
  ring.clear();
  for (int i = 0; i < 40; ++i) ring.push_back("m");
  EXPECT_EQ(ring.capacity(), 64u);
  while (!ring.empty()) ring.pop_front();
  EXPECT_EQ(ring.capacity(), 0u);
}

TEST(LazyRing, CopiesAndMoves) {
  LazyRing<std::string> ring;
  for (int i = 0; i < 3; ++i) ring.push_back(std::to_string(i));
  LazyRing<std::string> copy(ring);
  LazyRing<std::string> moved(std::move(ring));
  EXPECT_TRUE(std::equal(copy.begin(), copy.end(), moved.begin(), moved.end()));
  EXPECT_EQ(moved.size(), 3u);
}

}  // namespace
}  // namespace linecast
