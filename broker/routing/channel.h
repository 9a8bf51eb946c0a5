#pragma once

#include <string>
#include <string_view>

namespace linecast {

// Channel names and subscription patterns (docs/PROTOCOL.md, "Channels"):
// 1..255 bytes of 0x21..0x7E, split by '.' into non-empty tokens; in a
// pattern a token of exactly "*" matches one token and a last token of
// exactly ">" matches one or more.

inline constexpr std::size_t kMaxChannelLength = 255;

enum class ChannelStatus { kValid, kInvalid, kHasWildcard };

// For PUB: a valid channel has no wildcard token.
ChannelStatus checkPublishChannel(std::string_view channel);

// For SUB/UNSUB.
bool isValidPattern(std::string_view pattern);

// The rule of docs/PROTOCOL.md "Channels" that a refused name breaks, in
// words, for the log line that goes with the refusal ("-ERR invalid
// pattern" itself stays as the spec words it: clients match it). Empty
// when the name breaks none. `pattern`: a SUB/UNSUB pattern, else a PUB
// channel.
std::string brokenChannelRule(std::string_view name, bool pattern);

// The name as a log may show it: at most 64 bytes, bytes outside printable
// ASCII as \xHH.
std::string printableName(std::string_view name);

// True when some token is a wildcard (the pattern is assumed valid).
bool hasWildcardToken(std::string_view pattern);

// Reference matcher, used by tests and as the slow path's oracle; the
// Router matches through its token tree instead.
bool patternMatches(std::string_view pattern, std::string_view channel);

// Splits "a.b.c" into tokens without allocating (MQTT splits its topics'
// "a/b/c" levels with it too, separator '/'). Empty tokens count ("a..b"
// has three); an empty string has none.
class TokenCursor {
 public:
  explicit TokenCursor(std::string_view s, char separator = '.')
      : rest_(s), separator_(separator), done_(s.empty()) {}
  bool next(std::string_view& token) {
    if (done_) return false;
    std::size_t dot = rest_.find(separator_);
    if (dot == std::string_view::npos) {
      token = rest_;
      done_ = true;
    } else {
      token = rest_.substr(0, dot);
      rest_.remove_prefix(dot + 1);
    }
    return true;
  }
  // Whether the token last returned was the last one.
  bool atEnd() const { return done_; }

 private:
  std::string_view rest_;
  char separator_;
  bool done_;
};

}  // namespace linecast
