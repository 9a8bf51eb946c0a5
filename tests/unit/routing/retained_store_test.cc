// RetainedStore: keeping, replacing and clearing, the two limits and what
// they count, pattern lookups with `*` and `>` (order, once per message,
// stopping early), a randomized comparison with the reference matcher
// patternMatches, the channel index beside the tree (find, replace and clear
// by the whole name, also for channels that are only a prefix in the tree)
// and what the journal is told.

#include "routing/retained_store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/channel.h"

namespace linecast {
namespace {

using Found = std::vector<std::pair<std::string, std::string>>;

Found lookupAll(const RetainedStore& store, std::vector<std::string_view> patterns) {
  Found found;
  std::size_t n = store.forEachMatch(patterns, [&](std::string_view channel, std::string_view payload, std::uint8_t) {
    found.emplace_back(channel, payload);
    return true;
  });
  EXPECT_EQ(n, found.size());
  return found;
}

Found lookup(const RetainedStore& store, std::string_view pattern) {
  return lookupAll(store, std::vector<std::string_view>{pattern});
}

TEST(RetainedStoreTest, KeepsReplacesAndClears) {
  RetainedStore store;
  EXPECT_FALSE(store.find("room1.tv.volume"));
  EXPECT_EQ(store.retain("room1.tv.volume", "41"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.find("room1.tv.volume"), "41");
  EXPECT_EQ(store.retain("room1.tv.volume", "42"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.find("room1.tv.volume"), "42");
  EXPECT_EQ(store.messages(), 1u);
  // A prefix of a retained channel holds nothing of its own.
  EXPECT_FALSE(store.find("room1.tv"));
  EXPECT_FALSE(store.find("room1"));
  EXPECT_EQ(store.retain("room1.tv.volume", ""), RetainedStore::Outcome::kCleared);
  EXPECT_FALSE(store.find("room1.tv.volume"));
  EXPECT_EQ(store.messages(), 0u);
  EXPECT_EQ(store.bytes(), 0u);
  // Clearing what is not held is no error.
  EXPECT_EQ(store.retain("room1.tv.volume", ""), RetainedStore::Outcome::kCleared);
  EXPECT_FALSE(store.clear("room1.tv.volume"));
}

TEST(RetainedStoreTest, ClearKeepsTheNeighbours) {
  RetainedStore store;
  store.retain("a", "1");
  store.retain("a.b", "2");
  store.retain("a.b.c", "3");
  EXPECT_TRUE(store.clear("a.b"));
  EXPECT_EQ(store.find("a"), "1");
  EXPECT_FALSE(store.find("a.b"));
  EXPECT_EQ(store.find("a.b.c"), "3");
  EXPECT_TRUE(store.clear("a.b.c"));
  EXPECT_TRUE(store.clear("a"));
  EXPECT_EQ(lookup(store, ">"), Found{});
  EXPECT_EQ(store.messages(), 0u);
  // The emptied branches are gone: they can be built again.
  store.retain("a.b.c", "4");
  EXPECT_EQ(lookup(store, ">"), (Found{{"a.b.c", "4"}}));
}

TEST(RetainedStoreTest, BytesCountChannelAndPayload) {
  RetainedStore store;
  store.retain("ab.cd", "xyz");  // 5 + 3
  EXPECT_EQ(store.bytes(), 8u);
  store.retain("e", "12345");  // 1 + 5
  EXPECT_EQ(store.bytes(), 14u);
  store.retain("ab.cd", "x");  // replaced: 5 + 1
  EXPECT_EQ(store.bytes(), 12u);
  store.clear("e");
  EXPECT_EQ(store.bytes(), 6u);
  EXPECT_EQ(RetainedStore::costOf("ab.cd", "x"), 6u);
}

TEST(RetainedStoreTest, TheMessageLimitCountsChannels) {
  RetainedStore store(RetainedLimits{2, 1 << 20});
  EXPECT_EQ(store.retain("a", "1"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.retain("b", "1"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.retain("c", "1"), RetainedStore::Outcome::kOverLimit);
  EXPECT_FALSE(store.find("c"));
  // Replacing a held one adds no channel; clearing makes room.
  EXPECT_EQ(store.retain("a", "2"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.retain("b", ""), RetainedStore::Outcome::kCleared);
  EXPECT_EQ(store.retain("c", "1"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.messages(), 2u);
  EXPECT_EQ(lookup(store, ">"), (Found{{"a", "2"}, {"c", "1"}}));
}

TEST(RetainedStoreTest, TheByteLimitKeepsTheOldMessage) {
  RetainedStore store(RetainedLimits{100, 10});
  EXPECT_EQ(store.retain("ch", "12345678"), RetainedStore::Outcome::kStored);  // 10: exactly the limit
  EXPECT_EQ(store.retain("ch", "123456789"), RetainedStore::Outcome::kOverLimit);
  EXPECT_EQ(store.find("ch"), "12345678");
  EXPECT_EQ(store.bytes(), 10u);
  EXPECT_EQ(store.retain("x", "1"), RetainedStore::Outcome::kOverLimit);
  EXPECT_EQ(store.retain("ch", "1"), RetainedStore::Outcome::kStored);  // a smaller value fits
  EXPECT_EQ(store.retain("x", "1"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.bytes(), 5u);
  // A clear is never over a limit.
  EXPECT_EQ(store.retain("ch", ""), RetainedStore::Outcome::kCleared);
}

TEST(RetainedStoreTest, ZeroLimitsKeepNothing) {
  RetainedStore none(RetainedLimits{0, 1 << 20});
  EXPECT_EQ(none.retain("a", "1"), RetainedStore::Outcome::kOverLimit);
  RetainedStore noBytes(RetainedLimits{10, 0});
  EXPECT_EQ(noBytes.retain("a", "1"), RetainedStore::Outcome::kOverLimit);
  EXPECT_EQ(noBytes.retain("a", ""), RetainedStore::Outcome::kCleared);
}

// A channel that is only a node on the way to others holds nothing until
// it is retained itself; clearing it is no error and keeps what is below.
TEST(RetainedStoreTest, APrefixNodeIsNotAHeldChannel) {
  RetainedStore store;
  store.retain("a.b.c", "1");
  EXPECT_FALSE(store.find("a.b"));
  EXPECT_FALSE(store.clear("a.b"));
  EXPECT_EQ(store.retain("a.b", ""), RetainedStore::Outcome::kCleared);
  EXPECT_EQ(store.find("a.b.c"), "1");
  EXPECT_EQ(store.retain("a.b", "2"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.messages(), 2u);
  EXPECT_EQ(lookup(store, "a.>"), (Found{{"a.b", "2"}, {"a.b.c", "1"}}));
  // The leaf goes, and its parent, which holds one, stays.
  EXPECT_TRUE(store.clear("a.b.c"));
  EXPECT_EQ(lookup(store, "a.>"), (Found{{"a.b", "2"}}));
  EXPECT_EQ(store.find("a.b"), "2");
}

// Replacing a message with larger and smaller ones, and clearing and
// retaining the channel again (a new node under the same name), keeps
// find, the walk and the byte gauge on the latest payload.
TEST(RetainedStoreTest, ReplacementsOfEverySizeAndARetainAfterAClear) {
  RetainedStore store;
  std::string channel = "sensors.kitchen.temperature.with.a.long.name";
  for (std::size_t size : {1u, 15u, 16u, 300u, 40u, 1u, 5000u, 2u}) {
    std::string payload(size, static_cast<char>('a' + size % 26));
    ASSERT_EQ(store.retain(channel, payload), RetainedStore::Outcome::kStored);
    EXPECT_EQ(store.find(channel), payload);
    EXPECT_EQ(lookup(store, "sensors.>"), (Found{{channel, payload}}));
    EXPECT_EQ(store.bytes(), channel.size() + size);
  }
  EXPECT_TRUE(store.clear(channel));
  EXPECT_FALSE(store.find(channel));
  EXPECT_EQ(lookup(store, ">"), Found{});
  EXPECT_EQ(store.retain(channel, "again"), RetainedStore::Outcome::kStored);
  EXPECT_EQ(store.find(channel), "again");
  EXPECT_EQ(lookup(store, "sensors.*.temperature.>"), (Found{{channel, "again"}}));
  EXPECT_EQ(store.messages(), 1u);
}

// Many channels retained, replaced and cleared at random (short names kept
// in place in their node, long ones on the heap): find agrees with a model
// for every name, held or not, and a walk of everything lists the model.
TEST(RetainedStoreTest, FindAgreesWithAModelThroughChurn) {
  std::mt19937 rng(1414);
  std::vector<std::string> names;
  for (int i = 0; i < 200; ++i) {
    std::string name = "t" + std::to_string(i % 7);
    if (i % 3 != 0) name += ".mid" + std::to_string(i % 11);
    if (i % 2 != 0) name += ".a-longer-token-than-sso-holds-" + std::to_string(i);
    names.push_back(name);
  }
  RetainedStore store;
  std::map<std::string, std::string> model;
  for (int step = 0; step < 5000; ++step) {
    const std::string& name = names[rng() % names.size()];
    switch (rng() % 4) {
      case 0:
        EXPECT_EQ(store.clear(name), model.erase(name) == 1) << name;
        break;
      case 1:
        EXPECT_EQ(store.retain(name, ""), RetainedStore::Outcome::kCleared);
        model.erase(name);
        break;
      default: {
        std::string payload(1 + rng() % 100, 'p');
        payload += std::to_string(step);
        EXPECT_EQ(store.retain(name, payload), RetainedStore::Outcome::kStored);
        model[name] = payload;
      }
    }
  }
  std::size_t bytes = 0;
  for (const std::string& name : names) {
    auto it = model.find(name);
    if (it == model.end()) {
      EXPECT_FALSE(store.find(name)) << name;
    } else {
      EXPECT_EQ(store.find(name), it->second) << name;
    }
  }
  for (const auto& [name, payload] : model) bytes += RetainedStore::costOf(name, payload);
  EXPECT_EQ(store.messages(), model.size());
  EXPECT_EQ(store.bytes(), bytes);
  Found walked = lookup(store, ">");
  std::map<std::string, std::string> listed(walked.begin(), walked.end());
  EXPECT_EQ(walked.size(), listed.size());
  EXPECT_EQ(listed, model);
}

// RETAINs through a hint per channel (as the route cache keeps one), among
// clears without one (which free nodes under the hints: a parent's clear
// leaves its node while a child holds one, a leaf's takes the node): the
// store still agrees with a model, and a hint's node is never used stale
// (ASan would see a freed node).
TEST(RetainedStoreTest, HintedRetainsAgreeWithAModelThroughChurn) {
  std::mt19937 rng(2718);
  std::vector<std::string> names = {"h", "h.a", "h.a.b", "h.c", "x.y", "x", "h.a.b.c.d"};
  for (int i = 0; i < 40; ++i) names.push_back("n" + std::to_string(i % 5) + ".k" + std::to_string(i));
  std::vector<RetainedHint> hints(names.size());
  RetainedStore store;
  std::map<std::string, std::string> model;
  for (int step = 0; step < 20000; ++step) {
    std::size_t at = rng() % names.size();
    const std::string& name = names[at];
    if (rng() % 5 == 0) {
      EXPECT_EQ(store.clear(name), model.erase(name) == 1) << name;
    } else if (rng() % 9 == 0) {
      EXPECT_EQ(store.retain(name, "", 0, hints[at]), RetainedStore::Outcome::kCleared);
      model.erase(name);
    } else {
      std::string payload = std::to_string(step) + std::string(rng() % 40, 'q');
      EXPECT_EQ(store.retain(name, payload, 1, hints[at]), RetainedStore::Outcome::kStored) << name;
      model[name] = payload;
    }
    if (step % 1000 == 999) {
      for (const std::string& n : names) {
        auto it = model.find(n);
        EXPECT_EQ(store.find(n), it == model.end() ? std::nullopt : std::optional<std::string>(it->second)) << n;
      }
    }
  }
  EXPECT_EQ(store.messages(), model.size());
  Found walked = lookup(store, ">");
  std::map<std::string, std::string> listed(walked.begin(), walked.end());
  EXPECT_EQ(listed, model);
}

// The journal is told when a channel starts waiting (once until the next
// take, and again for each clear), and takes each changed channel with its
// message now: the latest payload and QoS, or none when cleared. Nothing
// for a clear of what was not held or a write over a limit.
class CountingJournal : public RetainedJournal {
 public:
  void changed() override { ++calls; }
  int calls = 0;
};

std::vector<std::string> takeAll(RetainedStore& store) {
  std::vector<std::string> taken;
  std::size_t n = store.takeChanges([&](std::string_view channel, std::string_view payload, std::uint8_t qos) {
    taken.push_back(payload.empty() ? std::string(channel) + " cleared"
                                    : std::string(channel) + "=" + std::string(payload) + "@" + std::to_string(qos));
  });
  EXPECT_EQ(n, taken.size());
  return taken;
}

TEST(RetainedStoreTest, TheJournalTakesEachChangedChannelWithItsLatestMessage) {
  RetainedStore store(RetainedLimits{2, 1 << 20});
  CountingJournal journal;
  store.setJournal(&journal);
  store.retain("a.b", "1");
  store.retain("a.b", "2", 0);   // already waiting: not told again
  store.retain("c", "3", 2);
  store.retain("d", "4");        // over --max-retained: not kept, not told
  store.clear("a");              // not held
  store.retain("a.b.c", "");     // not held
  EXPECT_EQ(journal.calls, 2);
  EXPECT_EQ(takeAll(store), (std::vector<std::string>{"a.b=2@0", "c=3@2"}));
  EXPECT_EQ(takeAll(store), std::vector<std::string>{});
  // After a take, a change is told again.
  store.retain("c", "4");
  store.retain("a.b", "");
  EXPECT_EQ(journal.calls, 4);
  EXPECT_EQ(takeAll(store), (std::vector<std::string>{"c=4@1", "a.b cleared"}));
}

// A channel cleared and retained again before the take comes with its new
// message, also when its node stayed in the tree for the channels below it
// (and a later retain after that take is still told).
TEST(RetainedStoreTest, AClearAndARetainBeforeTheTakeLeaveTheLatestMessage) {
  RetainedStore store;
  CountingJournal journal;
  store.setJournal(&journal);
  store.retain("a", "1");
  store.retain("a.b", "below");
  takeAll(store);
  store.retain("a", "2");
  store.clear("a");  // "a" stays: "a.b" hangs under it
  store.retain("a", "3");
  store.retain("x", "1");
  store.clear("x");  // "x" goes
  std::vector<std::string> taken = takeAll(store);
  // Each visit reports the message now.
  for (const std::string& change : taken) EXPECT_TRUE(change == "a=3@1" || change == "x cleared") << change;
  EXPECT_NE(std::find(taken.begin(), taken.end(), "a=3@1"), taken.end());
  EXPECT_NE(std::find(taken.begin(), taken.end(), "x cleared"), taken.end());
  int before = journal.calls;
  store.retain("a", "4");
  EXPECT_EQ(journal.calls, before + 1);
  EXPECT_EQ(takeAll(store), (std::vector<std::string>{"a=4@1"}));
}

class RetainedLookupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* channel : {"room1.tv.volume", "room1.tv.power", "room1.lights", "room2.tv.volume",
                                "room1", "room1.tv.volume.max", "a*.b", "x"}) {
      store_.retain(channel, std::string("v-") + channel);
    }
  }
  RetainedStore store_;
};

TEST_F(RetainedLookupTest, ExactPattern) {
  EXPECT_EQ(lookup(store_, "room1.tv.volume"), (Found{{"room1.tv.volume", "v-room1.tv.volume"}}));
  EXPECT_EQ(lookup(store_, "room1.tv"), Found{});
  EXPECT_EQ(lookup(store_, "nothing.here"), Found{});
  // '*' inside a longer token is an ordinary character.
  EXPECT_EQ(lookup(store_, "a*.b"), (Found{{"a*.b", "v-a*.b"}}));
}

TEST_F(RetainedLookupTest, StarMatchesExactlyOneToken) {
  EXPECT_EQ(lookup(store_, "room1.*.volume"), (Found{{"room1.tv.volume", "v-room1.tv.volume"}}));
  EXPECT_EQ(lookup(store_, "*.tv.volume"),
            (Found{{"room1.tv.volume", "v-room1.tv.volume"}, {"room2.tv.volume", "v-room2.tv.volume"}}));
  EXPECT_EQ(lookup(store_, "*"), (Found{{"room1", "v-room1"}, {"x", "v-x"}}));
  EXPECT_EQ(lookup(store_, "room1.*"), (Found{{"room1.lights", "v-room1.lights"}}));
  EXPECT_EQ(lookup(store_, "*.*.*.*"), (Found{{"room1.tv.volume.max", "v-room1.tv.volume.max"}}));
}

TEST_F(RetainedLookupTest, GreaterMatchesOneOrMoreTokensInTreeOrder) {
  EXPECT_EQ(lookup(store_, "room1.>"), (Found{{"room1.lights", "v-room1.lights"},
                                              {"room1.tv.power", "v-room1.tv.power"},
                                              {"room1.tv.volume", "v-room1.tv.volume"},
                                              {"room1.tv.volume.max", "v-room1.tv.volume.max"}}));
  EXPECT_EQ(lookup(store_, "room1.tv.volume.>"), (Found{{"room1.tv.volume.max", "v-room1.tv.volume.max"}}));
  EXPECT_EQ(lookup(store_, ">").size(), 8u);
  EXPECT_EQ(lookup(store_, "*.tv.>").size(), 4u);
}

TEST_F(RetainedLookupTest, SeveralPatternsVisitEachMessageOnce) {
  Found found = lookupAll(store_, {"room1.tv.*", "*.tv.volume", "room1.>"});
  EXPECT_EQ(found, (Found{{"room1.tv.power", "v-room1.tv.power"},
                          {"room1.tv.volume", "v-room1.tv.volume"},
                          {"room2.tv.volume", "v-room2.tv.volume"},
                          {"room1.lights", "v-room1.lights"},
                          {"room1.tv.volume.max", "v-room1.tv.volume.max"}}));
}

TEST_F(RetainedLookupTest, TheVisitCanStopTheWalk) {
  std::size_t seen = 0;
  std::vector<std::string_view> all = {">"};
  store_.forEachMatch(all, [&](std::string_view, std::string_view, std::uint8_t) { return ++seen < 3; });
  EXPECT_EQ(seen, 3u);
}

// Random channels and patterns over a small alphabet: the store finds
// exactly what patternMatches says, each once.
TEST(RetainedStoreTest, AgreesWithTheReferenceMatcher) {
  std::mt19937 rng(14);
  const char* tokens[] = {"a", "b", "c", "ab"};
  auto randomName = [&](bool pattern) {
    std::string name;
    int n = 1 + static_cast<int>(rng() % 4);
    for (int i = 0; i < n; ++i) {
      if (i > 0) name += '.';
      unsigned pick = rng() % (pattern ? 6 : 4);
      if (pick == 4) {
        name += '*';
      } else if (pick == 5 && i == n - 1) {
        name += '>';
      } else {
        name += tokens[pick % 4];
      }
    }
    return name;
  };
  RetainedStore store;
  std::map<std::string, std::string> model;
  for (int i = 0; i < 300; ++i) {
    std::string channel = randomName(false);
    std::string payload = rng() % 5 == 0 ? "" : std::to_string(i);
    store.retain(channel, payload);
    if (payload.empty()) {
      model.erase(channel);
    } else {
      model[channel] = payload;
    }
  }
  EXPECT_EQ(store.messages(), model.size());
  for (int i = 0; i < 300; ++i) {
    std::string pattern = randomName(true);
    ASSERT_TRUE(isValidPattern(pattern)) << pattern;
    std::map<std::string, std::string> expected;
    for (const auto& [channel, payload] : model) {
      if (patternMatches(pattern, channel)) expected[channel] = payload;
    }
    std::map<std::string, std::string> got;
    for (auto& [channel, payload] : lookup(store, pattern)) {
      EXPECT_TRUE(got.emplace(channel, payload).second) << "twice: " << channel;
    }
    EXPECT_EQ(got, expected) << pattern;
  }
}

}  // namespace
}  // namespace linecast
