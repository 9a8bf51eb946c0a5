// Utf8Validator and utf8Valid: what RFC 6455 8.1 requires of text messages,
// fed whole and in two pieces split at every byte.

#include "protocols/ws/ws_utf8.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace linecast {
namespace {

bool validInPieces(std::string_view s, std::size_t cut) {
  Utf8Validator v;
  v.feed(s.substr(0, cut));
  v.feed(s.substr(cut));
  return v.complete();
}

void expectValid(std::string_view s, bool valid) {
  EXPECT_EQ(utf8Valid(s), valid);
  for (std::size_t cut = 0; cut <= s.size(); ++cut) EXPECT_EQ(validInPieces(s, cut), valid) << "cut at " << cut;
}

TEST(WsUtf8, ValidText) {
  expectValid("", true);
  expectValid("plain ASCII, long enough for the eight-byte path", true);
  expectValid("\xc2\x80 \xdf\xbf \xe0\xa0\x80 \xef\xbf\xbf \xf0\x90\x80\x80 \xf4\x8f\xbf\xbf", true);
  expectValid("\xf0\x9d\x84\x9e\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5", true);  // Autobahn 6.2
  expectValid(std::string_view("\0", 1), true);
  expectValid("\xed\x9f\xbf \xee\x80\x80", true);  // either side of the surrogates
}

TEST(WsUtf8, InvalidText) {
  expectValid("\xc0\x80", false);              // overlong two-byte NUL
  expectValid("\xc1\xbf", false);              // overlong
  expectValid("\xe0\x9f\xbf", false);          // overlong three-byte
  expectValid("\xf0\x8f\xbf\xbf", false);      // overlong four-byte
  expectValid("\xed\xa0\x80", false);          // U+D800, a surrogate
  expectValid("\xed\xbf\xbf", false);          // U+DFFF
  expectValid("\xf4\x90\x80\x80", false);      // U+110000
  expectValid("\xf5\x80\x80\x80", false);
  expectValid("\xff", false);
  expectValid("\x80", false);                  // stray continuation
  expectValid("ab\xe2\x82", false);            // cut short at the end
  expectValid("\xe2\x82" "a", false);          // cut short by ASCII
  expectValid("\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80" "edited", false);
}

TEST(WsUtf8, StaysFailedUntilReset) {
  Utf8Validator v;
  EXPECT_FALSE(v.feed("\xff"));
  EXPECT_FALSE(v.feed("ok"));
  EXPECT_TRUE(v.failed());
  EXPECT_FALSE(v.complete());
  v.reset();
  EXPECT_TRUE(v.feed("\xe2\x82"));
  EXPECT_FALSE(v.complete());
  EXPECT_TRUE(v.feed("\xac"));
  EXPECT_TRUE(v.complete());
}

}  // namespace
}  // namespace linecast
