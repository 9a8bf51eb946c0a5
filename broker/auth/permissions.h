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

  // The list a users-file key or JWT claim names ("publish", "subscribe",
  // "deny_subscribe"); null for any other name.
  std::vector<std::string>* listNamed(std::string_view key);
};

// Whether every channel `inner` matches is matched by `outer` (both valid
// patterns): room1.*.volume is within room1.>, room1.> is not within room1.*.
bool patternWithin(std::string_view inner, std::string_view outer);

}  // namespace linecast
