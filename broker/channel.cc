#include "channel.h"

namespace linecast {
namespace {

// Checks length, bytes and token shape; reports wildcard tokens and where a
// '>' token stands.
struct Shape {
  bool valid = false;
  bool wildcard = false;
  bool gtNotLast = false;
};

Shape shapeOf(std::string_view s) {
  Shape shape;
  if (s.empty() || s.size() > kMaxChannelLength) return shape;
  std::size_t tokenStart = 0;
  for (std::size_t i = 0; i <= s.size(); ++i) {
    if (i == s.size() || s[i] == '.') {
      std::string_view token = s.substr(tokenStart, i - tokenStart);
      if (token.empty()) return shape;
      if (token == "*" || token == ">") {
        shape.wildcard = true;
        if (token == ">" && i != s.size()) shape.gtNotLast = true;
      }
      tokenStart = i + 1;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x21 || c > 0x7E) return shape;
  }
  shape.valid = true;
  return shape;
}

}  // namespace

ChannelStatus checkPublishChannel(std::string_view channel) {
  Shape shape = shapeOf(channel);
  if (!shape.valid) return ChannelStatus::kInvalid;
  return shape.wildcard ? ChannelStatus::kHasWildcard : ChannelStatus::kValid;
}

bool isValidPattern(std::string_view pattern) {
  Shape shape = shapeOf(pattern);
  return shape.valid && !shape.gtNotLast;
}

bool hasWildcardToken(std::string_view pattern) { return shapeOf(pattern).wildcard; }

bool patternMatches(std::string_view pattern, std::string_view channel) {
  TokenCursor p(pattern);
  TokenCursor c(channel);
  std::string_view pt;
  std::string_view ct;
  while (p.next(pt)) {
    if (!c.next(ct)) return false;
    if (pt == ">") return true;  // ct exists, so at least one token remains
    if (pt != "*" && pt != ct) return false;
  }
  return !c.next(ct);
}

}  // namespace linecast
