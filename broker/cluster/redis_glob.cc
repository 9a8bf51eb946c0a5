#include "cluster/redis_glob.h"

#include "cluster/redis_mqtt_interest.h"
#include "routing/channel.h"

namespace linecast {

void appendGlobLiteral(std::string& glob, std::string_view literal) {
  for (char c : literal) {
    if (c == '*' || c == '?' || c == '[' || c == ']' || c == '\\') glob += '\\';
    glob += c;
  }
}

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
    appendGlobLiteral(interest.text, token);
  }
  return interest;
}

void redisInterestsFor(InterestKind kind, std::string_view text, std::vector<RedisInterest>& out) {
  switch (kind) {
    case InterestKind::kLinePattern: out.push_back(redisInterestForLinePattern(text)); return;
    case InterestKind::kRedisChannel: out.push_back({false, std::string(text)}); return;
    case InterestKind::kRedisPattern: out.push_back({true, std::string(text)}); return;
    case InterestKind::kMqttFilter: redisInterestsForMqttFilter(text, out); return;
  }
}

}  // namespace linecast
