#include "cluster/remote_interest.h"

#include <gtest/gtest.h>

namespace linecast {
namespace {

// A view with nodes b and c loaded (empty) and complete, seen from node a.
RemoteInterest loaded() {
  RemoteInterest view("a");
  view.replaceNode("b", {});
  view.replaceNode("c", {});
  view.setComplete(true);
  return view;
}

TEST(RemoteInterest, IncompleteViewWantsEverything) {
  RemoteInterest view("a");
  EXPECT_TRUE(view.wanted("x"));
  view.replaceNode("b", {});
  EXPECT_TRUE(view.wanted("x"));  // not declared complete yet
  view.setComplete(true);
  EXPECT_FALSE(view.wanted("x"));
}

TEST(RemoteInterest, ExactChannelOfAnotherNode) {
  RemoteInterest view = loaded();
  view.add("b", false, "news.eu");
  EXPECT_TRUE(view.wanted("news.eu"));
  EXPECT_FALSE(view.wanted("news.us"));
  EXPECT_FALSE(view.wanted("news.e"));
  view.remove("b", false, "news.eu");
  EXPECT_FALSE(view.wanted("news.eu"));
}

TEST(RemoteInterest, GlobsMatchAsRedisDoes) {
  RemoteInterest view = loaded();
  view.add("c", true, "news.*");
  EXPECT_TRUE(view.wanted("news.eu"));
  EXPECT_TRUE(view.wanted("news.eu.fr"));  // Redis's * crosses dots
  EXPECT_FALSE(view.wanted("sport.eu"));
  view.add("c", true, "h?llo");
  EXPECT_TRUE(view.wanted("hallo"));
  EXPECT_FALSE(view.wanted("hllo"));
  // A glob is not a channel of the same text, nor the other way round.
  view.add("b", false, "a*");
  EXPECT_FALSE(view.wanted("ab"));
  EXPECT_TRUE(view.wanted("a*"));
}

TEST(RemoteInterest, OwnNodeIsIgnored) {
  RemoteInterest view = loaded();
  view.add("a", false, "mine");
  view.replaceNode("a", {{false, "mine"}, {true, "*"}});
  view.expect("a");
  EXPECT_FALSE(view.wanted("mine"));
  EXPECT_EQ(view.nodes(), 2u);
}

TEST(RemoteInterest, NameHeldByTwoNodesStaysUntilBothDropIt) {
  RemoteInterest view = loaded();
  view.add("b", true, "t.*");
  view.add("c", true, "t.*");
  EXPECT_EQ(view.globs(), 1u);
  view.remove("b", true, "t.*");
  EXPECT_TRUE(view.wanted("t.1"));
  view.remove("c", true, "t.*");
  EXPECT_FALSE(view.wanted("t.1"));
  EXPECT_EQ(view.globs(), 0u);
}

TEST(RemoteInterest, SetSemanticsPerNode) {
  RemoteInterest view = loaded();
  view.add("b", false, "x");
  view.add("b", false, "x");  // the same node again: nothing more
  view.remove("b", false, "x");
  EXPECT_FALSE(view.wanted("x"));
  view.remove("b", false, "x");  // not held: nothing, no underflow
  view.remove("nobody", false, "x");
  view.add("c", false, "x");
  EXPECT_TRUE(view.wanted("x"));
}

TEST(RemoteInterest, ReplaceNodeForgetsWhatItNoLongerHolds) {
  RemoteInterest view = loaded();
  view.add("b", false, "old");
  view.add("b", true, "old.*");
  view.replaceNode("b", {{false, "new"}});
  EXPECT_FALSE(view.wanted("old"));
  EXPECT_FALSE(view.wanted("old.1"));
  EXPECT_TRUE(view.wanted("new"));
  EXPECT_EQ(view.channels(), 1u);
  EXPECT_EQ(view.globs(), 0u);
}

TEST(RemoteInterest, DroppedNodeTakesItsInterestAlong) {
  RemoteInterest view = loaded();
  view.add("b", false, "x");
  view.add("c", false, "y");
  view.dropNode("b");
  EXPECT_FALSE(view.wanted("x"));
  EXPECT_TRUE(view.wanted("y"));
  EXPECT_EQ(view.nodes(), 1u);
}

TEST(RemoteInterest, ExpectedNodeMakesEverythingWantedUntilLoaded) {
  RemoteInterest view = loaded();
  view.expect("d");
  view.expect("d");  // once is enough
  EXPECT_TRUE(view.wanted("anything"));
  view.replaceNode("d", {{false, "z"}});
  EXPECT_FALSE(view.wanted("anything"));
  EXPECT_TRUE(view.wanted("z"));
  view.expect("e");
  view.dropNode("e");  // died before it was loaded
  EXPECT_FALSE(view.wanted("anything"));
}

TEST(RemoteInterest, LinkLostMakesEverythingWanted) {
  RemoteInterest view = loaded();
  view.linkLost();
  EXPECT_TRUE(view.wanted("x"));
  view.setComplete(true);
  EXPECT_FALSE(view.wanted("x"));
}

TEST(RemoteInterest, VersionMovesOnlyWhenAnAnswerMayChange) {
  RemoteInterest view = loaded();
  std::uint64_t v = view.version();
  view.add("b", false, "x");
  EXPECT_NE(view.version(), v);
  v = view.version();
  view.add("b", false, "x");
  view.remove("b", false, "y");
  view.remove("zz", false, "x");
  view.setComplete(true);
  view.add("a", false, "q");
  EXPECT_EQ(view.version(), v);
  view.remove("b", false, "x");
  EXPECT_NE(view.version(), v);
  v = view.version();
  view.expect("d");
  EXPECT_NE(view.version(), v);
  v = view.version();
  view.dropNode("d");
  EXPECT_NE(view.version(), v);
  v = view.version();
  view.linkLost();
  EXPECT_NE(view.version(), v);
}

}  // namespace
}  // namespace linecast
