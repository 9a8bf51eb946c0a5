// MqttFilterSubscribers: one subscriber inline, more on the heap, back
// inline when one is left; order kept; a move takes the heap array along.

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "protocols/mqtt/mqtt_filter_subscribers.h"
#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {
namespace {

std::vector<const MqttSessionState*> states(const MqttFilterSubscribers& list) {
  std::vector<const MqttSessionState*> out;
  for (const MqttSubscriber& s : list) out.push_back(s.state);
  return out;
}

MqttSubscriber* find(MqttFilterSubscribers& list, const MqttSessionState* state) {
  return std::find_if(list.begin(), list.end(), [&](const MqttSubscriber& s) { return s.state == state; });
}

TEST(MqttFilterSubscribers, OneInlineManyOnTheHeapInOrder) {
  static_assert(sizeof(MqttFilterSubscribers) == 24, "the size of the std::vector it replaces");
  MqttSessionState a, b, c, d;
  MqttFilterSubscribers list;
  EXPECT_TRUE(list.empty());
  list.push_back({&a, 1});
  const void* self = &list;
  const void* first = list.begin();
  EXPECT_GE(first, self) << "inline";
  EXPECT_LT(first, static_cast<const void*>(reinterpret_cast<const char*>(&list) + sizeof list));
  for (MqttSessionState* s : {&b, &c, &d}) list.push_back({s, 2});
  EXPECT_EQ(states(list), (std::vector<const MqttSessionState*>{&a, &b, &c, &d}));
  EXPECT_EQ(list.begin()->qos, 1);
  list.erase(find(list, &b));
  EXPECT_EQ(states(list), (std::vector<const MqttSessionState*>{&a, &c, &d}));
  list.erase(find(list, &a));
  list.erase(find(list, &d));
  ASSERT_EQ(states(list), (std::vector<const MqttSessionState*>{&c}));
  EXPECT_EQ(static_cast<const void*>(list.begin()), self) << "back inline with one left";
  EXPECT_EQ(list.begin()->qos, 2);
  list.erase(find(list, &c));
  EXPECT_TRUE(list.empty());
  list.push_back({&d, 0});
  EXPECT_EQ(states(list), (std::vector<const MqttSessionState*>{&d}));
}

TEST(MqttFilterSubscribers, AMoveTakesTheEntries) {
  MqttSessionState a, b, c;
  MqttFilterSubscribers many;
  for (MqttSessionState* s : {&a, &b, &c}) many.push_back({s, 1});
  MqttFilterSubscribers moved(std::move(many));
  EXPECT_EQ(states(moved), (std::vector<const MqttSessionState*>{&a, &b, &c}));
  EXPECT_TRUE(many.empty());  // NOLINT(bugprone-use-after-move): the moved-from state is specified
  MqttFilterSubscribers one;
  one.push_back({&b, 2});
  MqttFilterSubscribers movedOne(std::move(one));
  EXPECT_EQ(states(movedOne), (std::vector<const MqttSessionState*>{&b}));
}

}  // namespace
}  // namespace linecast
