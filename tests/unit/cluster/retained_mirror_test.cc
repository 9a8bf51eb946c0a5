#include "cluster/retained_mirror.h"

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "routing/retained_store.h"

namespace linecast {
namespace {

using Hash = std::vector<std::pair<std::string_view, std::string_view>>;

std::vector<std::string> held(const RetainedStore& store) {
  std::vector<std::string> out;
  const std::string_view everything[] = {">"};
  store.forEachMatch(everything, [&out](std::string_view channel, std::string_view payload, std::uint8_t) {
    out.push_back(std::string(channel) + "=" + std::string(payload));
    return true;
  });
  return out;
}

TEST(RetainedMirror, TheStoreBecomesTheHash) {
  RetainedStore store;
  store.retain("kept", "old");
  store.retain("gone.while.away", "x");
  Hash hash{{"kept", "new"}, {"added.one", "1"}};
  EXPECT_EQ(replaceRetained(store, hash), 2u);
  EXPECT_EQ(held(store), (std::vector<std::string>{"added.one=1", "kept=new"}));
}

TEST(RetainedMirror, WhatIsNoChannelOrEmptyIsSkipped) {
  RetainedStore store;
  Hash hash{{"a b", "space"}, {"wild.*", "w"}, {"", "none"}, {"empty", ""}, {"ok", "v"}};
  EXPECT_EQ(replaceRetained(store, hash), 1u);
  EXPECT_EQ(held(store), std::vector<std::string>{"ok=v"});
}

TEST(RetainedMirror, AnEmptyHashEmptiesTheStore) {
  RetainedStore store;
  store.retain("a", "1");
  EXPECT_EQ(replaceRetained(store, Hash{}), 0u);
  EXPECT_TRUE(held(store).empty());
  EXPECT_EQ(store.messages(), 0u);
}

TEST(RetainedMirror, OverTheLimitsWhatFitsIsKept) {
  RetainedStore store(RetainedLimits{1, 1024});
  Hash hash{{"first", "1"}, {"second", "2"}};
  EXPECT_EQ(replaceRetained(store, hash), 1u);
  EXPECT_EQ(held(store), std::vector<std::string>{"first=1"});
}

}  // namespace
}  // namespace linecast
