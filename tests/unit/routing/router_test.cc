// Router: subscribe/unsubscribe bookkeeping, exact and wildcard matching,
// one visit per subscriber, cleanup, the cost of unrelated wildcards, and a
// randomized comparison with the reference matcher patternMatches.

#include "routing/router.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "routing/channel.h"

namespace linecast {
namespace {

using Subs = std::vector<Subscriber*>;

// Every subscriber visited for the channel, sorted; checks that match()
// returns the visit count.
Subs matchAll(Router& router, std::string_view channel) {
  Subs visited;
  std::size_t n = router.match(channel, [&](Subscriber* sub) { visited.push_back(sub); });
  EXPECT_EQ(n, visited.size()) << channel;
  std::sort(visited.begin(), visited.end());
  return visited;
}

Subs sorted(Subs subs) {
  std::sort(subs.begin(), subs.end());
  return subs;
}

// What forEachPattern reports: "pattern count wildcard" per distinct pattern.
std::set<std::string> patternsOf(const Router& router) {
  std::set<std::string> out;
  router.forEachPattern([&](std::string_view pattern, std::size_t subscribers, bool wildcard) {
    out.insert(std::string(pattern) + " " + std::to_string(subscribers) + (wildcard ? " w" : " e"));
  });
  return out;
}

TEST(Router, ForEachPatternRebuildsEveryDistinctPattern) {
  Router router;
  Subscriber a, b;
  EXPECT_TRUE(patternsOf(router).empty());
  for (std::string_view p : {"news.a", ">", "*", "news.*", "news.>", "a.*.c", "*.b.>", "x.y.z"}) {
    router.subscribe(&a, p);
  }
  router.subscribe(&b, "news.a");
  router.subscribe(&b, "news.>");
  EXPECT_EQ(patternsOf(router), (std::set<std::string>{"news.a 2 e", "x.y.z 1 e", "> 1 w", "* 1 w",
                                                       "news.* 1 w", "news.> 2 w", "a.*.c 1 w",
                                                       "*.b.> 1 w"}));
  for (std::string_view p : {"news.a", ">", "*", "news.*", "news.>", "a.*.c", "*.b.>", "x.y.z"}) {
    router.unsubscribe(&a, p);
  }
  EXPECT_EQ(patternsOf(router), (std::set<std::string>{"news.a 1 e", "news.> 1 w"}));
  router.unsubscribe(&b, "news.a");
  router.unsubscribe(&b, "news.>");
  EXPECT_TRUE(patternsOf(router).empty());
}

TEST(Router, EmptyMatchesNothing) {
  Router router;
  EXPECT_EQ(router.subscriptionCount(), 0u);
  EXPECT_EQ(matchAll(router, "a.b"), Subs{});
  EXPECT_EQ(router.lastMatchNodeVisits(), 0u);
}

TEST(Router, ExactSubscribeIsIdempotent) {
  Router router;
  Subscriber s;
  EXPECT_TRUE(router.subscribe(&s, "a.b"));
  EXPECT_FALSE(router.subscribe(&s, "a.b"));
  EXPECT_EQ(router.subscriptionCount(), 1u);
  EXPECT_EQ(matchAll(router, "a.b"), Subs{&s});
  EXPECT_EQ(matchAll(router, "a.c"), Subs{});
  EXPECT_EQ(matchAll(router, "a"), Subs{});
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{});
}

TEST(Router, ExactUnsubscribe) {
  Router router;
  Subscriber s;
  ASSERT_TRUE(router.subscribe(&s, "a.b"));
  EXPECT_TRUE(router.unsubscribe(&s, "a.b"));
  EXPECT_FALSE(router.unsubscribe(&s, "a.b"));
  EXPECT_EQ(router.subscriptionCount(), 0u);
  EXPECT_EQ(matchAll(router, "a.b"), Subs{});
  // Subscribing again works.
  EXPECT_TRUE(router.subscribe(&s, "a.b"));
  EXPECT_EQ(matchAll(router, "a.b"), Subs{&s});
}

TEST(Router, WildcardSubscribeAndUnsubscribeAreIdempotent) {
  for (std::string_view pattern : {"*", ">", "a.*", "a.>", "*.b", "a.*.c", "*.>", "*.*"}) {
    Router router;
    Subscriber s;
    EXPECT_TRUE(router.subscribe(&s, pattern)) << pattern;
    EXPECT_FALSE(router.subscribe(&s, pattern)) << pattern;
    EXPECT_EQ(router.subscriptionCount(), 1u);
    EXPECT_TRUE(router.unsubscribe(&s, pattern)) << pattern;
    EXPECT_FALSE(router.unsubscribe(&s, pattern)) << pattern;
    EXPECT_EQ(router.subscriptionCount(), 0u);
  }
}

TEST(Router, UnsubscribeOfAPatternNeverHeld) {
  Router router;
  Subscriber s;
  Subscriber other;
  ASSERT_TRUE(router.subscribe(&other, "a.*"));
  ASSERT_TRUE(router.subscribe(&other, "x.y"));
  EXPECT_FALSE(router.unsubscribe(&s, "a.*"));  // held by someone else
  EXPECT_FALSE(router.unsubscribe(&s, "x.y"));
  EXPECT_FALSE(router.unsubscribe(&s, "never.*.seen"));
  EXPECT_FALSE(router.unsubscribe(&s, "never.seen"));
  EXPECT_FALSE(router.unsubscribe(&s, ">"));
  EXPECT_EQ(router.subscriptionCount(), 2u);
  EXPECT_EQ(matchAll(router, "a.b"), Subs{&other});
  EXPECT_EQ(matchAll(router, "x.y"), Subs{&other});
}

TEST(Router, SubscribersAreIndependent) {
  Router router;
  Subscriber s1;
  Subscriber s2;
  EXPECT_TRUE(router.subscribe(&s1, "a.*"));
  EXPECT_TRUE(router.subscribe(&s2, "a.*"));  // a second holder is a new subscription
  EXPECT_TRUE(router.subscribe(&s1, "a.b"));
  EXPECT_TRUE(router.subscribe(&s2, "a.b"));
  EXPECT_EQ(router.subscriptionCount(), 4u);
  EXPECT_EQ(matchAll(router, "a.b"), sorted({&s1, &s2}));
  EXPECT_TRUE(router.unsubscribe(&s2, "a.*"));
  EXPECT_TRUE(router.unsubscribe(&s2, "a.b"));
  EXPECT_EQ(matchAll(router, "a.b"), Subs{&s1});
  EXPECT_EQ(matchAll(router, "a.c"), Subs{&s1});
}

TEST(Router, WildcardForms) {
  struct Case {
    std::string_view pattern;
    std::vector<std::string_view> matching;
    std::vector<std::string_view> notMatching;
  };
  const Case cases[] = {
      {"*", {"a", "room1"}, {"a.b", "a.b.c"}},
      {">", {"a", "a.b", "a.b.c.d"}, {}},
      {"room1.*", {"room1.tv", "room1.x"}, {"room1", "room1.tv.volume", "room2.tv"}},
      {"room1.>", {"room1.tv", "room1.tv.volume"}, {"room1", "room2.tv", "room10.tv"}},
      {"room1.*.volume", {"room1.tv.volume", "room1.x.volume"},
       {"room1.tv", "room1.tv.bass", "room1.tv.x.volume", "room1.volume"}},
      {"*.volume", {"tv.volume"}, {"volume", "room1.tv.volume", "tv.bass"}},
      {"*.>", {"a.b", "a.b.c"}, {"a"}},
      {"*.*", {"a.b"}, {"a", "a.b.c"}},
      {"a.*.>", {"a.b.c", "a.b.c.d"}, {"a.b", "a", "b.c.d"}},
      // Literal tokens with '*' or '>' inside are exact subscriptions.
      {"a*", {"a*"}, {"a", "ab", "a*.b"}},
      {"b>c", {"b>c"}, {"b", "bxc", "b>c.d"}},
      {"x.a*", {"x.a*"}, {"x.ab", "x.a"}},
      // Case-sensitive.
      {"Room1.*", {"Room1.tv"}, {"room1.tv", "ROOM1.tv"}},
      {"room1.TV", {"room1.TV"}, {"room1.tv"}},
  };
  for (const Case& c : cases) {
    Router router;
    Subscriber s;
    ASSERT_TRUE(router.subscribe(&s, c.pattern));
    for (std::string_view channel : c.matching) {
      EXPECT_EQ(matchAll(router, channel), Subs{&s}) << c.pattern << " vs " << channel;
    }
    for (std::string_view channel : c.notMatching) {
      EXPECT_EQ(matchAll(router, channel), Subs{}) << c.pattern << " vs " << channel;
    }
  }
}

TEST(Router, OneVisitPerSubscriberWhateverMatches) {
  Router router;
  Subscriber s;
  for (std::string_view pattern : {"a.b", "a.*", "a.>", ">", "*.b", "*.*", "*.>"}) {
    ASSERT_TRUE(router.subscribe(&s, pattern));
  }
  for (int round = 0; round < 3; ++round) {  // and again on the next match
    int visits = 0;
    EXPECT_EQ(router.match("a.b", [&](Subscriber* sub) {
      EXPECT_EQ(sub, &s);
      ++visits;
    }),
              1u);
    EXPECT_EQ(visits, 1);
  }
  // Fewer patterns match a longer channel; still one visit.
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{&s});
  EXPECT_EQ(matchAll(router, "z"), Subs{&s});  // only ">"
}

TEST(Router, OneVisitEachForSeveralOverlappingSubscribers) {
  Router router;
  Subscriber s1;
  Subscriber s2;
  Subscriber s3;
  ASSERT_TRUE(router.subscribe(&s1, "a.b"));
  ASSERT_TRUE(router.subscribe(&s1, "a.*"));
  ASSERT_TRUE(router.subscribe(&s2, "a.>"));
  ASSERT_TRUE(router.subscribe(&s2, "*.b"));
  ASSERT_TRUE(router.subscribe(&s2, "a.b"));
  ASSERT_TRUE(router.subscribe(&s3, "b.*"));
  EXPECT_EQ(matchAll(router, "a.b"), sorted({&s1, &s2}));
  EXPECT_EQ(matchAll(router, "b.b"), sorted({&s2, &s3}));
  EXPECT_EQ(matchAll(router, "a.c"), sorted({&s1, &s2}));
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{&s2});
}

TEST(Router, UnsubscribingEverythingLeavesNothing) {
  Router router;
  std::vector<Subscriber> subs(5);
  const std::vector<std::string_view> patterns = {"a", "a.b", "a.*", "a.>", ">", "*", "*.b.>",
                                                  "a.*.c", "a*", "x.y.z.*.w"};
  for (Subscriber& s : subs) {
    for (std::string_view p : patterns) ASSERT_TRUE(router.subscribe(&s, p));
  }
  EXPECT_EQ(router.subscriptionCount(), subs.size() * patterns.size());
  for (Subscriber& s : subs) {
    for (std::string_view p : patterns) ASSERT_TRUE(router.unsubscribe(&s, p));
  }
  EXPECT_EQ(router.subscriptionCount(), 0u);
  for (std::string_view channel : {"a", "a.b", "a.b.c", "x.y.z.q.w", "a*"}) {
    EXPECT_EQ(matchAll(router, channel), Subs{}) << channel;
    EXPECT_EQ(router.lastMatchNodeVisits(), 0u) << channel;  // no tree left to walk
  }
}

// With one wildcard subscription elsewhere the tree is walked; the number of
// nodes a match visits shows whether anything was left behind.
TEST(Router, TreeShrinksBackAfterUnsubscribe) {
  Router router;
  Subscriber anchor;
  Subscriber s;
  ASSERT_TRUE(router.subscribe(&anchor, "zzz.>"));
  const std::vector<std::string_view> channels = {"a.b.c", "a.b", "q.b.c.d", "a"};
  std::vector<std::size_t> baseline;
  for (std::string_view channel : channels) {
    matchAll(router, channel);
    baseline.push_back(router.lastMatchNodeVisits());
  }

  for (std::string_view p : {"a.*.c", "*.b.>", "a.b.*", "*", "*.*.*.*", "a.>"}) {
    ASSERT_TRUE(router.subscribe(&s, p));
  }
  ASSERT_TRUE(router.unsubscribe(&s, "a.*.c"));
  ASSERT_TRUE(router.unsubscribe(&s, "*.*.*.*"));
  ASSERT_TRUE(router.unsubscribe(&s, "a.b.*"));
  ASSERT_TRUE(router.unsubscribe(&s, "*"));
  ASSERT_TRUE(router.unsubscribe(&s, "a.>"));
  ASSERT_TRUE(router.unsubscribe(&s, "*.b.>"));

  EXPECT_EQ(router.subscriptionCount(), 1u);
  for (std::size_t i = 0; i < channels.size(); ++i) {
    matchAll(router, channels[i]);
    EXPECT_EQ(router.lastMatchNodeVisits(), baseline[i]) << channels[i];
  }
  EXPECT_EQ(matchAll(router, "zzz.q"), Subs{&anchor});
}

TEST(Router, UnknownUnsubscribeDoesNotGrowAnything) {
  Router router;
  Subscriber anchor;
  Subscriber s;
  ASSERT_TRUE(router.subscribe(&anchor, "zzz.>"));
  matchAll(router, "a.b.c");
  std::size_t baseline = router.lastMatchNodeVisits();
  for (std::string_view p : {"a.*.c", "a.b.>", "*.b.c", "*", ">", "a.b.c", "*.*.*", "zzz.*.x"}) {
    EXPECT_FALSE(router.unsubscribe(&s, p)) << p;
  }
  EXPECT_EQ(router.subscriptionCount(), 1u);
  matchAll(router, "a.b.c");
  EXPECT_EQ(router.lastMatchNodeVisits(), baseline);
  EXPECT_EQ(matchAll(router, "zzz.q"), Subs{&anchor});
  // And exact lookups are not disturbed either.
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{});
}

TEST(Router, PrefixPatternsShareNodesSafely) {
  Router router;
  Subscriber s1;
  Subscriber s2;
  ASSERT_TRUE(router.subscribe(&s1, "a.*"));
  ASSERT_TRUE(router.subscribe(&s2, "a.*.c"));
  ASSERT_TRUE(router.unsubscribe(&s1, "a.*"));  // the deeper pattern stays
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{&s2});
  EXPECT_EQ(matchAll(router, "a.b"), Subs{});
  ASSERT_TRUE(router.subscribe(&s1, "a.*"));
  ASSERT_TRUE(router.unsubscribe(&s2, "a.*.c"));  // the shallower one stays
  EXPECT_EQ(matchAll(router, "a.b"), Subs{&s1});
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{});
  ASSERT_TRUE(router.subscribe(&s2, "a.>"));  // '>' at a node that has a '*' child
  EXPECT_EQ(matchAll(router, "a.b"), sorted({&s1, &s2}));
  ASSERT_TRUE(router.unsubscribe(&s1, "a.*"));
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{&s2});
}

// A publish walks only the branches its own tokens select: 10,000 wildcard
// subscriptions under other first tokens cost it nothing.
TEST(Router, UnrelatedWildcardsAreNotVisited) {
  Router router;
  constexpr int kUnrelated = 10000;
  std::vector<Subscriber> others(kUnrelated);
  for (int i = 0; i < kUnrelated; ++i) {
    std::string u = "u" + std::to_string(i);
    std::string pattern;
    switch (i % 3) {
      case 0: pattern = u + ".*"; break;
      case 1: pattern = u + ".>"; break;
      default: pattern = u + ".*.volume"; break;
    }
    ASSERT_TRUE(router.subscribe(&others[static_cast<std::size_t>(i)], pattern));
  }
  Subscriber s;
  ASSERT_TRUE(router.subscribe(&s, "room1.*.volume"));
  ASSERT_EQ(router.subscriptionCount(), static_cast<std::size_t>(kUnrelated) + 1);

  EXPECT_EQ(matchAll(router, "room1.tv.volume"), Subs{&s});
  // root, room1, '*', volume
  EXPECT_LE(router.lastMatchNodeVisits(), 4u);
  EXPECT_EQ(matchAll(router, "other.channel"), Subs{});
  EXPECT_LE(router.lastMatchNodeVisits(), 4u);
  EXPECT_EQ(matchAll(router, "u1234.tv.volume"), Subs{&others[1234]});  // 1234 % 3 == 1: "u1234.>"
  EXPECT_LE(router.lastMatchNodeVisits(), 4u);
}

// Wildcards in leading positions share the '*' branch; what a match visits
// there must not grow with the number of subscriptions either.
TEST(Router, NodeVisitsDoNotGrowWithLeadingWildcards) {
  auto visitsWith = [](int unrelated) {
    Router router;
    std::vector<Subscriber> others(static_cast<std::size_t>(unrelated));
    for (int i = 0; i < unrelated; ++i) {
      std::string u = "u" + std::to_string(i);
      std::string pattern = i % 2 == 0 ? "*." + u : "*.*." + u + ".>";
      EXPECT_TRUE(router.subscribe(&others[static_cast<std::size_t>(i)], pattern));
    }
    Subscriber s;
    EXPECT_TRUE(router.subscribe(&s, "room1.*.volume"));
    EXPECT_EQ(matchAll(router, "room1.tv.volume"), Subs{&s});
    return router.lastMatchNodeVisits();
  };
  std::size_t few = visitsWith(2);
  std::size_t many = visitsWith(10000);
  EXPECT_EQ(many, few);
  EXPECT_LE(many, 8u);
}

// Random subscribes and unsubscribes by several subscribers, checked against
// a model and against patternMatches for every match.
TEST(Router, MatchesTheReferenceMatcher) {
  std::mt19937 rng(424242);
  auto pick = [&](std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng); };
  const std::vector<std::string> channelTokens = {"a", "b", "c", "a*", "b>c"};
  const std::vector<std::string> patternTokens = {"a", "b", "c", "a*", "b>c", "*", "*"};

  auto randomChannel = [&] {
    std::string channel;
    std::size_t n = 1 + pick(4);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) channel += '.';
      channel += channelTokens[pick(channelTokens.size())];
    }
    return channel;
  };
  auto randomPattern = [&] {
    std::string pattern;
    std::size_t n = 1 + pick(4);
    for (std::size_t i = 0; i < n; ++i) {
      if (i > 0) pattern += '.';
      if (i == n - 1 && pick(4) == 0) {
        pattern += '>';
      } else {
        pattern += patternTokens[pick(patternTokens.size())];
      }
    }
    return pattern;
  };

  Router router;
  constexpr std::size_t kSubscribers = 24;
  std::vector<Subscriber> subs(kSubscribers);
  std::map<Subscriber*, std::set<std::string>> model;
  std::size_t modelCount = 0;
  std::size_t nonEmptyMatches = 0;

  for (int step = 0; step < 4000; ++step) {
    Subscriber* sub = &subs[pick(kSubscribers)];
    std::set<std::string>& held = model[sub];
    if (pick(3) != 0) {
      std::string pattern = randomPattern();
      ASSERT_TRUE(isValidPattern(pattern)) << pattern;
      bool added = held.insert(pattern).second;
      ASSERT_EQ(router.subscribe(sub, pattern), added) << pattern;
      if (added) ++modelCount;
    } else {
      // Half the time a pattern it holds, else a random one.
      std::string pattern;
      if (!held.empty() && pick(2) == 0) {
        auto it = held.begin();
        std::advance(it, static_cast<std::ptrdiff_t>(pick(held.size())));
        pattern = *it;
      } else {
        pattern = randomPattern();
      }
      bool removed = held.erase(pattern) > 0;
      ASSERT_EQ(router.unsubscribe(sub, pattern), removed) << pattern;
      if (removed) --modelCount;
    }
    ASSERT_EQ(router.subscriptionCount(), modelCount);

    if (step % 8 == 0) {
      for (int m = 0; m < 10; ++m) {
        std::string channel = randomChannel();
        ASSERT_EQ(checkPublishChannel(channel), ChannelStatus::kValid);
        Subs expected;
        for (auto& [s, patterns] : model) {
          for (const std::string& p : patterns) {
            if (patternMatches(p, channel)) {
              expected.push_back(s);
              break;
            }
          }
        }
        std::sort(expected.begin(), expected.end());
        Subs visited = matchAll(router, channel);  // sorted; duplicates would show
        ASSERT_EQ(visited, expected) << "step " << step << " channel " << channel;
        if (!expected.empty()) ++nonEmptyMatches;
      }
    }
  }
  EXPECT_GT(nonEmptyMatches, 1000u);

  // Remove everything: nothing is left.
  for (auto& [s, patterns] : model) {
    for (const std::string& p : patterns) ASSERT_TRUE(router.unsubscribe(s, p)) << p;
  }
  EXPECT_EQ(router.subscriptionCount(), 0u);
  EXPECT_EQ(matchAll(router, "a.b.c"), Subs{});
  EXPECT_EQ(router.lastMatchNodeVisits(), 0u);
}

}  // namespace
}  // namespace linecast
