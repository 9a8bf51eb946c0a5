#include "cluster/interest_verdicts.h"

#include <gtest/gtest.h>

#include <string>

namespace linecast {
namespace {

RemoteInterest completeView() {
  RemoteInterest view("a");
  view.replaceNode("b", {{false, "x"}, {true, "g.*"}});
  view.setComplete(true);
  return view;
}

TEST(InterestVerdicts, AnswersAsTheViewAndRemembers) {
  RemoteInterest view = completeView();
  InterestVerdicts verdicts;
  EXPECT_TRUE(verdicts.wanted("x", view));
  EXPECT_TRUE(verdicts.wanted("g.1", view));
  EXPECT_FALSE(verdicts.wanted("y", view));
  EXPECT_EQ(verdicts.computed(), 3u);
  for (int i = 0; i < 10; ++i) {
    EXPECT_TRUE(verdicts.wanted("x", view));
    EXPECT_FALSE(verdicts.wanted("y", view));
  }
  EXPECT_EQ(verdicts.computed(), 3u);
}

TEST(InterestVerdicts, ChangeOfInterestIsSeenAtOnce) {
  RemoteInterest view = completeView();
  InterestVerdicts verdicts;
  EXPECT_FALSE(verdicts.wanted("y", view));
  view.add("c", false, "y");
  EXPECT_TRUE(verdicts.wanted("y", view));
  view.remove("b", false, "x");
  EXPECT_FALSE(verdicts.wanted("x", view));
  view.linkLost();
  EXPECT_TRUE(verdicts.wanted("x", view));
}

TEST(InterestVerdicts, ChannelsSharingASlotDoNotMix) {
  RemoteInterest view = completeView();
  InterestVerdicts verdicts;
  // More channels than slots: some share one; each answer stays its own.
  for (std::size_t i = 0; i < 2 * InterestVerdicts::kSlots; ++i) {
    std::string channel = "c" + std::to_string(i);
    ASSERT_FALSE(verdicts.wanted(channel, view)) << channel;
    ASSERT_TRUE(verdicts.wanted("x", view));
  }
}

}  // namespace
}  // namespace linecast
