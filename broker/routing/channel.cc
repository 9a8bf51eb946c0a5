#include "routing/channel.h"

#include <fmt/format.h>

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

std::string brokenChannelRule(std::string_view name, bool pattern) {
  if (name.empty()) return "it is empty";
  if (name.size() > kMaxChannelLength) {
    return fmt::format("it is {} bytes long (at most {})", name.size(), kMaxChannelLength);
  }
  for (std::size_t i = 0; i < name.size(); ++i) {
    auto c = static_cast<unsigned char>(name[i]);
    if (c < 0x21 || c > 0x7E) {
      return fmt::format(
          "byte 0x{:02X} at offset {} is not printable ASCII (a name is 0x21-0x7E only: no spaces, "
          "no UTF-8)",
          c, i);
    }
  }
  TokenCursor tokens(name);
  std::string_view token;
  for (std::size_t n = 1; tokens.next(token); ++n) {
    if (token.empty()) return fmt::format("token {} is empty (no leading, trailing or doubled '.')", n);
  }
  Shape shape = shapeOf(name);
  if (pattern && shape.gtNotLast) return "'>' may only be the last token";
  if (!pattern && shape.wildcard) return "a PUB channel cannot hold a wildcard token ('*' or '>')";
  return {};
}

std::string printableName(std::string_view name) {
  constexpr std::size_t kShown = 64;
  std::string out;
  for (char ch : name.substr(0, kShown)) {
    auto c = static_cast<unsigned char>(ch);
    if (c >= 0x20 && c <= 0x7E && c != '\\') {
      out += ch;
    } else {
      out += fmt::format("\\x{:02X}", c);
    }
  }
  if (name.size() > kShown) out += "...";
  return out;
}

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
