#include "cluster/redis_glob.h"

#include "routing/channel.h"

namespace linecast {

RedisInterest redisInterestForLinePattern(std::string_view linePattern) {
  RedisInterest interest;
  interest.pattern = hasWildcardToken(linePattern);
  if (!interest.pattern) {
    interest.text = std::string(linePattern);
    return interest;
  }
  TokenCursor cursor(linePattern);
  std::string_view token;
  bool first = true;
  while (cursor.next(token)) {
    if (!first) interest.text += '.';
    first = false;
    if (token == "*" || token == ">") {
      interest.text += '*';
      continue;
    }
    for (char c : token) {
      if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') interest.text += '\\';
      interest.text += c;
    }
  }
  return interest;
}

}  // namespace linecast
