#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace linecast {

// What one user may do (docs/PROTOCOL.md, "Users and permissions"): each
// list holds channel patterns (`*`, `>`); a missing list allows nothing.
// A connection without Permissions (the --auth-token, or no
// authentication at all) may do everything; the checks are made only for
// connections that have them.
struct Permissions {
  std::vector<std::string> publish;
  std::vector<std::string> subscribe;
  std::vector<std::string> denySubscribe;

  // A PUB to `channel`: one publish pattern matches it.
  bool mayPublish(std::string_view channel) const;
  // A SUB of `pattern`: every channel it can match is matched by one
  // subscribe pattern (it is a subset of that pattern).
  bool maySubscribe(std::string_view pattern) const;
  // A delivery on `channel` is never made (whatever the subscriptions).
  bool deniesDelivery(std::string_view channel) const;

  // MQTT (docs/PROTOCOL.md, decisions): the patterns match a topic's
  // levels ('/'-separated) as tokens, whatever bytes a level holds, so `>`
  // allows "/TopicA" and "a b/c".
  bool mayPublishTopic(std::string_view topic) const;
  bool deniesTopic(std::string_view topic) const;
  // A delivery on `topic` to a subscriber: one subscribe pattern matches it
  // (a filter "a/#" is allowed when "a.>" is, and the message on "a"
  // itself needs "a" too).
  bool maySubscribeTopic(std::string_view topic) const;
  // A SUBSCRIBE filter ('+' one level as `*`, '#' as `>`): within one
  // subscribe pattern.
  bool maySubscribeFilter(std::string_view filter) const;
  // The list a users-file key or JWT claim names ("publish", "subscribe",
  // "deny_subscribe"); null for any other name.
  std::vector<std::string>* listNamed(std::string_view key);
};

// Whether every channel `inner` matches is matched by `outer` (both valid
// patterns): room1.*.volume is within room1.>, room1.> is not within room1.*.
bool patternWithin(std::string_view inner, std::string_view outer);

// A pattern (`.` tokens, `*`, `>`) against an MQTT topic's levels.
bool patternMatchesTopic(std::string_view pattern, std::string_view topic);
// Whether every topic an MQTT filter matches (with "a/#" read as "a.>") is
// matched by the pattern.
bool filterWithin(std::string_view filter, std::string_view pattern);

}  // namespace linecast
