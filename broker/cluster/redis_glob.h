#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "routing/interest_sink.h"

namespace linecast {

// What a node asks Redis for on behalf of a line pattern: a channel
// (SUBSCRIBE) for a pattern without wildcards, else a glob (PSUBSCRIBE)
// that matches at least every channel the pattern does. `*` (one token)
// and `>` (one or more) both become Redis's `*`, which matches any bytes,
// dots included: the node re-checks every message against its own
// subscriptions, so the looser glob never reaches a subscriber. Redis's
// glob characters inside literal tokens (`? [ ] \` and `*`) are escaped.
struct RedisInterest {
  bool pattern = false;
  std::string text;
};

RedisInterest redisInterestForLinePattern(std::string_view linePattern);

// Appends `literal` to a glob, its glob characters escaped.
void appendGlobLiteral(std::string& glob, std::string_view literal);

// Every Redis name an interest of any kind needs, appended to `out` (one
// for a line pattern or a Redis client's name; up to four for an MQTT
// filter, see redis_mqtt_interest.h).
void redisInterestsFor(InterestKind kind, std::string_view text, std::vector<RedisInterest>& out);

}  // namespace linecast
