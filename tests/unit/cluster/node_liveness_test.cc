#include "cluster/node_liveness.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace linecast {
namespace {

using Beats = std::vector<std::pair<std::string, std::uint64_t>>;
using Names = std::vector<std::string>;

Names sorted(Names names) {
  std::sort(names.begin(), names.end());
  return names;
}

TEST(NodeLiveness, JoinedOnceThenQuiet) {
  NodeLiveness liveness("a", 3000);
  NodeLiveness::Changes changes;
  liveness.update({{"a", 10000}, {"b", 10000}, {"c", 9000}}, 10000, changes);
  EXPECT_EQ(sorted(changes.joined), (Names{"b", "c"}));  // never itself
  EXPECT_TRUE(changes.left.empty());
  EXPECT_FALSE(liveness.alive("a"));
  EXPECT_TRUE(liveness.alive("b"));
  liveness.update({{"a", 11000}, {"b", 11000}, {"c", 11000}}, 11000, changes);
  EXPECT_TRUE(changes.joined.empty());
  EXPECT_TRUE(changes.left.empty());
  EXPECT_EQ(sorted(liveness.live()), (Names{"b", "c"}));
}

TEST(NodeLiveness, SilentTooLongIsStaleAndLeaves) {
  NodeLiveness liveness("a", 3000);
  NodeLiveness::Changes changes;
  liveness.update({{"b", 10000}, {"c", 10000}}, 10000, changes);
  liveness.update({{"b", 13000}, {"c", 10000}}, 13000, changes);  // exactly the TTL: still alive
  EXPECT_TRUE(changes.left.empty());
  liveness.update({{"b", 13500}, {"c", 10000}}, 13500, changes);
  EXPECT_EQ(changes.left, Names{"c"});
  EXPECT_EQ(changes.stale, Names{"c"});
  EXPECT_FALSE(liveness.alive("c"));
}

TEST(NodeLiveness, RemovedFromTheSetLeaves) {
  NodeLiveness liveness("a", 3000);
  NodeLiveness::Changes changes;
  liveness.update({{"b", 10000}}, 10000, changes);
  liveness.update({}, 10500, changes);  // it said goodbye, or another node swept it
  EXPECT_EQ(changes.left, Names{"b"});
  EXPECT_TRUE(changes.stale.empty());
}

// A node swept as stale (a long stall) that beats again, and every node
// after the link was lost: both are reported as joined, to be loaded again.
TEST(NodeLiveness, NodesJoinAgainAfterAStallOrALostLink) {
  NodeLiveness liveness("a", 3000);
  NodeLiveness::Changes changes;
  liveness.update({{"b", 1000}, {"c", 10000}}, 10000, changes);
  EXPECT_EQ(changes.joined, Names{"c"});
  EXPECT_EQ(changes.stale, Names{"b"});
  liveness.update({{"b", 10900}, {"c", 10900}}, 11000, changes);
  EXPECT_EQ(changes.joined, Names{"b"});
  liveness.linkLost();
  EXPECT_FALSE(liveness.alive("c"));
  liveness.update({{"b", 12000}, {"c", 12000}}, 12000, changes);
  EXPECT_EQ(sorted(changes.joined), (Names{"b", "c"}));
  EXPECT_TRUE(changes.left.empty());
}

TEST(NodeLiveness, BeatAheadOfTheReadingCountsAsNow) {
  NodeLiveness liveness("a", 3000);
  NodeLiveness::Changes changes;
  liveness.update({{"b", 20000}}, 10000, changes);
  EXPECT_EQ(changes.joined, Names{"b"});
  EXPECT_TRUE(changes.stale.empty());
}

}  // namespace
}  // namespace linecast
