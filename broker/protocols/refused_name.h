#pragma once

#include <string_view>

#include "routing/channel.h"
#include "net/connection.h"
#include "util/log.h"

namespace linecast {

// A refused channel or pattern gets the spec's short reply ("-ERR invalid
// pattern": clients match that text); the log says which rule the name
// broke. At info once per connection, so that a user trying `SUB 방.하나`
// sees why, and at debug after that, so that a client repeating its mistake
// does not flood the log.
inline void logRefusedName(Connection& conn, std::string_view name, bool pattern) {
  LogLevel level = conn.refusedNameLogged ? LogLevel::kDebug : LogLevel::kInfo;
  if (!logEnabled(level)) return;
  conn.refusedNameLogged = true;
  log(level, "conn {} {}: refused {} '{}': {}", conn.id(), conn.peer(),
      pattern ? "pattern" : "channel", printableName(name), brokenChannelRule(name, pattern));
}

}  // namespace linecast
