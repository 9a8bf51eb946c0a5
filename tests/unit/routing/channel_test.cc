// Channels and patterns (docs/PROTOCOL.md, "Channels"): validation, the
// PUB statuses, and the reference wildcard matcher.

#include "routing/channel.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <vector>

namespace linecast {
namespace {

// --- patternMatches --------------------------------------------------------

struct MatchCase {
  std::string_view pattern;
  std::string_view channel;
  bool matches;
};

TEST(PatternMatches, Table) {
  const MatchCase cases[] = {
      // Exact.
      {"a", "a", true},
      {"a", "b", false},
      {"a.b", "a.b", true},
      {"a.b", "a.c", false},
      {"a.b", "a", false},
      {"a", "a.b", false},
      {"room1.tv.volume", "room1.tv.volume", true},
      {"ab", "a", false},
      {"a", "ab", false},
      // Case-sensitive.
      {"Room1", "room1", false},
      {"room1.TV", "room1.tv", false},
      {"room1.*", "ROOM1.tv", false},
      // '*' is exactly one token.
      {"*", "a", true},
      {"*", "a.b", false},
      {"a.*", "a.b", true},
      {"a.*", "a", false},
      {"a.*", "a.b.c", false},
      {"*.b", "a.b", true},
      {"*.b", "a.c", false},
      {"*.b", "b", false},
      {"room1.*.volume", "room1.tv.volume", true},
      {"room1.*.volume", "room1.tv.radio.volume", false},
      {"room1.*.volume", "room1.volume", false},
      {"room1.*.volume", "room1.tv.bass", false},
      {"*.*", "a.b", true},
      {"*.*", "a", false},
      {"*.*", "a.b.c", false},
      {"*.*.*", "a.b.c", true},
      // '>' is one or more tokens at the end.
      {">", "a", true},
      {">", "a.b.c", true},
      {"room1.>", "room1.tv", true},
      {"room1.>", "room1.tv.volume", true},
      {"room1.>", "room1", false},
      {"room1.>", "room2.tv", false},
      {"room1.>", "room10.tv", false},
      {"a.b.>", "a.b.c.d.e", true},
      {"a.b.>", "a.b", false},
      {"a.b.>", "a.c.d", false},
      {"*.>", "a.b", true},
      {"*.>", "a", false},
      {"a.*.>", "a.b.c", true},
      {"a.*.>", "a.b", false},
      // '*' and '>' inside a longer token are ordinary characters.
      {"a*", "a*", true},
      {"a*", "ab", false},
      {"a*", "a", false},
      {"b>c", "b>c", true},
      {"b>c", "bxc", false},
      {"x.a*", "x.ab", false},
      {"x.a*", "x.a*", true},
      {"x.>y", "x.a", false},
      {"x.>y", "x.>y", true},
      {"**", "ab", false},
      {"**", "**", true},
      {">>", "ab", false},
  };
  for (const MatchCase& c : cases) {
    EXPECT_EQ(patternMatches(c.pattern, c.channel), c.matches)
        << "pattern '" << c.pattern << "' channel '" << c.channel << "'";
  }
}

// --- validation ----------------------------------------------------------

TEST(Channels, LengthLimits) {
  std::string max(kMaxChannelLength, 'c');
  EXPECT_EQ(kMaxChannelLength, 255u);
  EXPECT_EQ(checkPublishChannel("a"), ChannelStatus::kValid);
  EXPECT_EQ(checkPublishChannel(max), ChannelStatus::kValid);
  EXPECT_EQ(checkPublishChannel(max + "c"), ChannelStatus::kInvalid);
  EXPECT_EQ(checkPublishChannel(""), ChannelStatus::kInvalid);
  EXPECT_TRUE(isValidPattern("a"));
  EXPECT_TRUE(isValidPattern(max));
  EXPECT_FALSE(isValidPattern(max + "c"));
  EXPECT_FALSE(isValidPattern(""));
  // Dots count towards the length.
  std::string dotted;
  while (dotted.size() < 253) dotted += "a.";
  dotted += "b";  // 255 bytes
  ASSERT_EQ(dotted.size(), 255u);
  EXPECT_EQ(checkPublishChannel(dotted), ChannelStatus::kValid);
  EXPECT_EQ(checkPublishChannel(dotted + "b"), ChannelStatus::kInvalid);
  // A 255-byte pattern with wildcards is valid; 256 is not.
  std::string wild = std::string(253, 'p') + ".>";
  ASSERT_EQ(wild.size(), 255u);
  EXPECT_TRUE(isValidPattern(wild));
  EXPECT_FALSE(isValidPattern("p" + wild));
  EXPECT_EQ(checkPublishChannel("p" + wild), ChannelStatus::kInvalid);
}

TEST(Channels, EveryByte) {
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b);
    bool printable = b >= 0x21 && b <= 0x7E;
    std::string alone(1, c);
    std::string inside = std::string("ab") + c + "cd";
    if (c == '.') {
      // A dot is the token separator: alone, it makes two empty tokens.
      EXPECT_EQ(checkPublishChannel(alone), ChannelStatus::kInvalid);
      EXPECT_EQ(checkPublishChannel(inside), ChannelStatus::kValid);
      continue;
    }
    if (c == '*' || c == '>') {
      EXPECT_EQ(checkPublishChannel(alone), ChannelStatus::kHasWildcard);
      EXPECT_TRUE(isValidPattern(alone));
      EXPECT_EQ(checkPublishChannel(inside), ChannelStatus::kValid) << inside;
      EXPECT_TRUE(isValidPattern(inside));
      continue;
    }
    ChannelStatus expected = printable ? ChannelStatus::kValid : ChannelStatus::kInvalid;
    EXPECT_EQ(checkPublishChannel(alone), expected) << "byte " << b;
    EXPECT_EQ(checkPublishChannel(inside), expected) << "byte " << b;
    EXPECT_EQ(isValidPattern(alone), printable) << "byte " << b;
    EXPECT_EQ(isValidPattern(inside), printable) << "byte " << b;
    EXPECT_EQ(isValidPattern(std::string("a.") + c + ".*"), printable) << "byte " << b;
  }
}

TEST(Channels, EmptyTokensAreInvalid) {
  for (std::string_view s : {".", "..", "a..b", ".a", "a.", "a.b.", ".a.b", "*..b", "a.>.", "..>"}) {
    EXPECT_EQ(checkPublishChannel(s), ChannelStatus::kInvalid) << s;
    EXPECT_FALSE(isValidPattern(s)) << s;
  }
}

TEST(Channels, PublishStatuses) {
  struct Case {
    std::string_view channel;
    ChannelStatus status;
  };
  const Case cases[] = {
      {"room1.tv.volume", ChannelStatus::kValid},
      {"a", ChannelStatus::kValid},
      {"A-Z_0~9!\"#$%&'()+,/:;<=?@[\\]^`{|}", ChannelStatus::kValid},
      {"a*", ChannelStatus::kValid},
      {"b>c", ChannelStatus::kValid},
      {"a.*b.c>", ChannelStatus::kValid},
      {"**", ChannelStatus::kValid},
      {"*", ChannelStatus::kHasWildcard},
      {">", ChannelStatus::kHasWildcard},
      {"a.*", ChannelStatus::kHasWildcard},
      {"*.a", ChannelStatus::kHasWildcard},
      {"a.*.b", ChannelStatus::kHasWildcard},
      {"a.>", ChannelStatus::kHasWildcard},
      {"a b", ChannelStatus::kInvalid},
      {"a\tb", ChannelStatus::kInvalid},
      {"a..b", ChannelStatus::kInvalid},
      {"", ChannelStatus::kInvalid},
      {"caf\xc3\xa9", ChannelStatus::kInvalid},
      {"a.*.", ChannelStatus::kInvalid},  // invalid wins over wildcard
  };
  for (const Case& c : cases) {
    EXPECT_EQ(checkPublishChannel(c.channel), c.status) << c.channel;
  }
}

TEST(Patterns, Validity) {
  struct Case {
    std::string_view pattern;
    bool valid;
  };
  const Case cases[] = {
      {"a", true},
      {"a.b.c", true},
      {"*", true},
      {">", true},
      {"a.*", true},
      {"*.a", true},
      {"*.*", true},
      {"a.>", true},
      {"*.>", true},
      {"a.*.b.>", true},
      {"a*", true},
      {"b>c", true},
      {"a.>b", true},  // '>' inside a token is ordinary
      {">.a", false},  // '>' only last
      {"a.>.b", false},
      {">.>", false},
      {"a.>.*", false},
      {"a b", false},
      {"a.*.", false},
      {"", false},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(isValidPattern(c.pattern), c.valid) << c.pattern;
  }
}

TEST(Patterns, HasWildcardToken) {
  EXPECT_FALSE(hasWildcardToken("a"));
  EXPECT_FALSE(hasWildcardToken("a.b.c"));
  EXPECT_FALSE(hasWildcardToken("a*"));
  EXPECT_FALSE(hasWildcardToken("b>c"));
  EXPECT_FALSE(hasWildcardToken("x.*y.>z"));
  EXPECT_TRUE(hasWildcardToken("*"));
  EXPECT_TRUE(hasWildcardToken(">"));
  EXPECT_TRUE(hasWildcardToken("a.*"));
  EXPECT_TRUE(hasWildcardToken("*.a"));
  EXPECT_TRUE(hasWildcardToken("a.*.b"));
  EXPECT_TRUE(hasWildcardToken("a.>"));
}

// --- brokenChannelRule: the log line's words for a refusal ------------------

TEST(BrokenChannelRule, NamesTheFirstRuleTheNameBreaks) {
  EXPECT_EQ(brokenChannelRule("", true), "it is empty");
  EXPECT_EQ(brokenChannelRule(std::string(256, 'a'), false), "it is 256 bytes long (at most 255)");
  EXPECT_EQ(brokenChannelRule("\xEB\xB0\xA9.x", true),
            "byte 0xEB at offset 0 is not printable ASCII (a name is 0x21-0x7E only: no spaces, "
            "no UTF-8)");
  EXPECT_EQ(brokenChannelRule("my\troom", true).substr(0, 27), "byte 0x09 at offset 2 is no");
  EXPECT_EQ(brokenChannelRule("a..b", true),
            "token 2 is empty (no leading, trailing or doubled '.')");
  EXPECT_EQ(brokenChannelRule(".a", false).substr(0, 16), "token 1 is empty");
  EXPECT_EQ(brokenChannelRule("a.", false).substr(0, 16), "token 2 is empty");
  EXPECT_EQ(brokenChannelRule("a.>.b", true), "'>' may only be the last token");
  EXPECT_EQ(brokenChannelRule("a.*", false),
            "a PUB channel cannot hold a wildcard token ('*' or '>')");
}

TEST(BrokenChannelRule, AgreesWithTheChecks) {
  for (std::string_view name : {"a", "a.b", "a.*", "a.>", "*", ">", "a*", "b>c", "a.>.b", "", "a..b",
                                "sp ace", "\x7F"}) {
    EXPECT_EQ(brokenChannelRule(name, true).empty(), isValidPattern(name)) << name;
    EXPECT_EQ(brokenChannelRule(name, false).empty(),
              checkPublishChannel(name) == ChannelStatus::kValid)
        << name;
  }
}

TEST(PrintableName, EscapesWhatALogLineShouldNotCarryAndCutsLongNames) {
  EXPECT_EQ(printableName("room1.tv"), "room1.tv");
  EXPECT_EQ(printableName("\xEB\\x"), "\\xEB\\x5Cx");
  EXPECT_EQ(printableName(std::string(70, 'a')), std::string(64, 'a') + "...");
}

// --- TokenCursor ------------------------------------------------------------

std::vector<std::string> tokens(std::string_view s) {
  std::vector<std::string> out;
  TokenCursor cursor(s);
  std::string_view token;
  while (cursor.next(token)) out.emplace_back(token);
  return out;
}

using Tokens = std::vector<std::string>;

TEST(TokenCursor, Splits) {
  EXPECT_EQ(tokens(""), Tokens{});
  EXPECT_EQ(tokens("a"), (Tokens{"a"}));
  EXPECT_EQ(tokens("room1.tv.volume"), (Tokens{"room1", "tv", "volume"}));
  EXPECT_EQ(tokens("a.*.>"), (Tokens{"a", "*", ">"}));
  // Empty tokens come out as such (validation rejects them elsewhere).
  EXPECT_EQ(tokens("a..b"), (Tokens{"a", "", "b"}));
  EXPECT_EQ(tokens("a."), (Tokens{"a", ""}));
  EXPECT_EQ(tokens("."), (Tokens{"", ""}));
}

}  // namespace
}  // namespace linecast
