// Redis glob semantics (PSUBSCRIBE). The table is our own; every expected
// value was checked against redis-server 7.0 (PSUBSCRIBE the pattern,
// PUBLISH to the subject, read the count), in the spirit of Redis's own
// stringmatchlen and KEYS tests: the wildcards, sets, ranges, escapes, and
// the corners Redis answers in its own way (an empty subject, an unclosed
// '[', "[]", a '-' before the closing ']').
#include <gtest/gtest.h>

#include <string>
#include <string_view>

#include "routing/glob_match.h"

namespace linecast {
namespace {

using namespace std::string_view_literals;

struct GlobCase {
  std::string_view pattern;
  std::string_view subject;
  bool matches;
};

constexpr GlobCase kCases[] = {
    {""sv, ""sv, true},
    {""sv, "a"sv, false},
    {"a"sv, ""sv, false},
    {"*"sv, ""sv, false},
    {"**"sv, ""sv, false},
    {"*"sv, "a"sv, true},
    {"*"sv, "anything at all"sv, true},
    {"**"sv, "x"sv, true},
    {"h?llo"sv, "hello"sv, true},
    {"h?llo"sv, "hallo"sv, true},
    {"h?llo"sv, "hllo"sv, false},
    {"h?llo"sv, "heello"sv, false},
    {"h*llo"sv, "hllo"sv, true},
    {"h*llo"sv, "heeeello"sv, true},
    {"h*llo"sv, "hello world"sv, false},
    {"h[ae]llo"sv, "hello"sv, true},
    {"h[ae]llo"sv, "hallo"sv, true},
    {"h[ae]llo"sv, "hillo"sv, false},
    {"h[^e]llo"sv, "hallo"sv, true},
    {"h[^e]llo"sv, "hello"sv, false},
    {"h[^e]llo"sv, "hllo"sv, false},
    {"h[a-b]llo"sv, "hallo"sv, true},
    {"h[a-b]llo"sv, "hbllo"sv, true},
    {"h[a-b]llo"sv, "hcllo"sv, false},
    {"h[b-a]llo"sv, "hallo"sv, true},
    {"[a-z]"sv, "-"sv, false},
    {"[a-z]"sv, "q"sv, true},
    {"[A-Z]"sv, "q"sv, false},
    {"[0-9][0-9]"sv, "42"sv, true},
    {"[0-9][0-9]"sv, "4x"sv, false},
    {"news.*"sv, "news.a.b"sv, true},
    {"news.*"sv, "news"sv, false},
    {"news.*"sv, "news."sv, true},
    {"*.tv.*"sv, "room1.tv.volume"sv, true},
    {"*.tv.*"sv, "room1.radio.volume"sv, false},
    {"\\*"sv, "*"sv, true},
    {"\\*"sv, "a"sv, false},
    {"a\\?"sv, "a?"sv, true},
    {"a\\?"sv, "ab"sv, false},
    {"a\\"sv, "a\\"sv, true},
    {"\\\\"sv, "\\"sv, true},
    {"\\a"sv, "a"sv, true},
    {"[\\]]"sv, "]"sv, true},
    {"[\\^]"sv, "^"sv, true},
    {"[\\^]"sv, "a"sv, false},
    {"[\\-]"sv, "-"sv, true},
    {"[]]"sv, "]"sv, false},
    {"[]a]"sv, "a"sv, false},
    {"[^]"sv, "x"sv, true},
    {"[^]"sv, ""sv, false},
    {"[abc"sv, "a"sv, true},
    {"[abc"sv, "d"sv, false},
    {"x[abc"sv, "xc"sv, true},
    {"a["sv, "a["sv, false},
    {"a[^"sv, "ab"sv, true},
    {"[a-]"sv, "b"sv, false},
    {"[a-]"sv, "]"sv, true},
    {"[a-]"sv, "a"sv, true},
    {"[a-]"sv, "-"sv, false},
    {"[a-]"sv, "_"sv, true},
    {"[-a]"sv, "-"sv, true},
    {"[-a]"sv, "a"sv, true},
    {"[-a]"sv, "b"sv, false},
    {"[a-c-e]"sv, "d"sv, false},
    {"[a-c-e]"sv, "e"sv, true},
    {"[a-c-e]"sv, "-"sv, true},
    {"[a-c-e]"sv, "b"sv, true},
    {"[^a-c]"sv, "b"sv, false},
    {"[^a-c]"sv, "d"sv, true},
    {"*a*b*"sv, "xaxbx"sv, true},
    {"*a*b*"sv, "xbxax"sv, false},
    {"*a*b"sv, "ab"sv, true},
    {"a*b*"sv, "ab"sv, true},
    {"a*a*a*a*a*a*a*a*b"sv, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"sv, false},
    {"*a*a*a*a*a*a*a*a*"sv, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"sv, true},
    {"?"sv, ""sv, false},
    {"?*"sv, "a"sv, true},
    {"*?"sv, "a"sv, true},
    {"*?"sv, ""sv, false},
    {"??"sv, "a"sv, false},
    {"*[0-9]"sv, "room7"sv, true},
    {"*[0-9]"sv, "room"sv, false},
    {"*\\*"sv, "ab*"sv, true},
    {"*\\*"sv, "ab"sv, false},
    {"HELLO"sv, "hello"sv, false},
    {"a?c"sv, "a\nc"sv, true},
    {"a\x00" "c"sv, "a\x00" "c"sv, true},
    {"a?c"sv, "a\x00" "c"sv, true},
    {"\xff"sv, "\xff"sv, true},
    {"[\x80-\xff]"sv, "\xc3"sv, true},
    {"caf\xc3\xa9*"sv, "caf\xc3\xa9 au lait"sv, true},
    {"*ab"sv, "aab"sv, true},
    {"*aab"sv, "aaab"sv, true},
    {"a*"sv, "a"sv, true},
    {"a**"sv, "a"sv, true},
    {"*a"sv, "a"sv, true},};

TEST(GlobMatch, TableCheckedAgainstRedis) {
  for (const GlobCase& c : kCases) {
    EXPECT_EQ(globMatch(c.pattern, c.subject), c.matches)
        << "pattern '" << c.pattern << "' subject '" << c.subject << "'";
  }
}

// Redis compares the ends of a range as plain chars, whose sign depends on
// the platform; we compare bytes unsigned, so a range reaching past 0x7F
// means the same everywhere.
TEST(GlobMatch, RangesCompareBytesUnsigned) {
  EXPECT_TRUE(globMatch("[a-\xff]", "b"));
  EXPECT_TRUE(globMatch("[a-\xff]", "\x80"));
  EXPECT_FALSE(globMatch("[a-\xff]", "A"));
  EXPECT_TRUE(globMatch("[\xff-a]", "z"));  // ends in either order
}

// A mismatch after a star only moves that star on, so a hostile pattern
// against a long subject costs pattern x subject steps, not exponential.
TEST(GlobMatch, HostilePatternFinishesQuickly) {
  std::string pattern;
  for (int i = 0; i < 40; ++i) pattern += "*a";
  pattern += "b";
  std::string subject(100000, 'a');
  EXPECT_FALSE(globMatch(pattern, subject));
  EXPECT_TRUE(globMatch(pattern, subject + "b"));
}

TEST(GlobMatch, StarMatchesAnyRunIncludingNoneInsideTheSubject) {
  EXPECT_TRUE(globMatch("a*b*c", "abc"));
  EXPECT_TRUE(globMatch("a*b*c", "a123b456c"));
  EXPECT_FALSE(globMatch("a*b*c", "a123b456"));
  EXPECT_TRUE(globMatch("*", std::string(1 << 16, 'x')));
}

}  // namespace
}  // namespace linecast
