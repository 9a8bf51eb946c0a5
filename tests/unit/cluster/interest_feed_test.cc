#include "cluster/interest_feed.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace linecast {
namespace {

InterestNotice gained(std::uint64_t seq, std::string channel) {
  InterestNotice n;
  n.seq = seq;
  n.gained.push_back({false, std::move(channel)});
  return n;
}

InterestNotice lost(std::uint64_t seq, std::string channel) {
  InterestNotice n;
  n.seq = seq;
  n.lost.push_back({false, std::move(channel)});
  return n;
}

InterestNotice reset(std::uint64_t seq, std::vector<RedisInterest> all) {
  InterestNotice n;
  n.seq = seq;
  n.reset = true;
  n.gained = std::move(all);
  return n;
}

struct Fixture {
  RemoteInterest view{"a"};
  InterestFeed feed{view};
  // Node b loaded at seq 5 holding "x", the view complete.
  Fixture() {
    feed.loading("b");
    feed.loaded("b", 5, {{false, "x"}});
    view.setComplete(true);
  }
};

TEST(InterestFeed, NoticesInOrderAreApplied) {
  Fixture f;
  f.feed.notice("b", gained(6, "y"));
  f.feed.notice("b", lost(7, "x"));
  EXPECT_TRUE(f.view.wanted("y"));
  EXPECT_FALSE(f.view.wanted("x"));
  EXPECT_TRUE(f.feed.takeReloads().empty());
}

TEST(InterestFeed, NoticesDuringALoadWaitAndOnlyNewerOnesApply) {
  RemoteInterest view("a");
  InterestFeed feed(view);
  feed.loading("b");
  view.setComplete(true);
  feed.notice("b", gained(4, "old"));   // already in the load's answer
  feed.notice("b", lost(6, "x"));       // newer than the load
  feed.notice("b", gained(7, "y"));
  EXPECT_TRUE(view.wanted("anything"));  // b not loaded yet
  feed.loaded("b", 5, {{false, "x"}, {false, "old"}});
  EXPECT_FALSE(view.wanted("x"));
  EXPECT_TRUE(view.wanted("old"));
  EXPECT_TRUE(view.wanted("y"));
  EXPECT_FALSE(view.wanted("anything"));
}

TEST(InterestFeed, DuplicateIsIgnored) {
  Fixture f;
  f.feed.notice("b", lost(6, "x"));
  f.feed.notice("b", gained(5, "x"));  // older than what was applied
  EXPECT_FALSE(f.view.wanted("x"));
  EXPECT_TRUE(f.feed.takeReloads().empty());
}

TEST(InterestFeed, GapAsksForAReloadAndWantsEverythingMeanwhile) {
  Fixture f;
  f.feed.notice("b", gained(8, "y"));  // 6 and 7 missed
  EXPECT_TRUE(f.view.wanted("anything"));
  EXPECT_EQ(f.feed.takeReloads(), std::vector<std::string>{"b"});
  EXPECT_TRUE(f.feed.takeReloads().empty());  // asked once
  f.feed.loading("b");
  f.feed.notice("b", gained(9, "z"));
  f.feed.loaded("b", 8, {{false, "y"}});
  EXPECT_FALSE(f.view.wanted("anything"));
  EXPECT_TRUE(f.view.wanted("y"));
  EXPECT_TRUE(f.view.wanted("z"));
  EXPECT_FALSE(f.view.wanted("x"));
}

TEST(InterestFeed, UnknownNodeStartsWithItsReset) {
  Fixture f;
  f.feed.notice("c", reset(1, {{true, "c.*"}}));
  EXPECT_TRUE(f.view.wanted("c.1"));
  EXPECT_FALSE(f.view.wanted("anything"));
  f.feed.notice("c", gained(2, "w"));
  EXPECT_TRUE(f.view.wanted("w"));
  EXPECT_TRUE(f.feed.takeReloads().empty());
}

TEST(InterestFeed, ChangeFromANodeNeverLoadedAsksForItsLoad) {
  Fixture f;
  f.feed.notice("c", gained(3, "w"));
  EXPECT_TRUE(f.view.wanted("anything"));
  EXPECT_EQ(f.feed.takeReloads(), std::vector<std::string>{"c"});
}

TEST(InterestFeed, ResetReplacesAndCancelsAPendingReload) {
  Fixture f;
  f.feed.notice("b", gained(9, "y"));  // a gap
  f.feed.notice("b", reset(10, {{false, "r"}}));
  EXPECT_TRUE(f.feed.takeReloads().empty());
  EXPECT_FALSE(f.view.wanted("anything"));
  EXPECT_FALSE(f.view.wanted("x"));
  EXPECT_TRUE(f.view.wanted("r"));
  f.feed.notice("b", reset(3, {}));  // an old reset: ignored
  EXPECT_TRUE(f.view.wanted("r"));
}

TEST(InterestFeed, GoneForgetsTheNode) {
  Fixture f;
  f.feed.notice("b", gained(9, "y"));  // a gap: reload pending
  f.feed.gone("b");
  EXPECT_TRUE(f.feed.takeReloads().empty());
  EXPECT_FALSE(f.view.wanted("x"));
  EXPECT_FALSE(f.view.wanted("anything"));
  f.feed.loaded("b", 12, {{false, "x"}});  // an answer nobody waits for
  EXPECT_FALSE(f.view.wanted("x"));
}

TEST(InterestFeed, LinkLostReloadsEveryNode) {
  Fixture f;
  f.feed.notice("c", reset(1, {}));
  f.feed.linkLost();
  EXPECT_TRUE(f.view.wanted("anything"));
  std::vector<std::string> reloads = f.feed.takeReloads();
  std::sort(reloads.begin(), reloads.end());
  EXPECT_EQ(reloads, (std::vector<std::string>{"b", "c"}));
  f.feed.notice("b", gained(6, "y"));  // not loaded since: asks again
  EXPECT_EQ(f.feed.takeReloads(), std::vector<std::string>{"b"});
}

}  // namespace
}  // namespace linecast
