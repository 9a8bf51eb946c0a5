#pragma once

#include <string_view>

#include "metrics.h"
#include "net/connection.h"

namespace linecast {

// The timeouts of the command protocols (line and RESP), which differ only
// in their line ending.
struct CommandTimeouts {
  bool authRequired = false;
  double auth = 10;  // --auth-timeout: seconds to send a valid AUTH
  double read = 0;   // --read-timeout: seconds a partial request may wait; 0: forever
};

// The cron's check of one open connection: unauthenticated past the auth
// timeout, or a partial request older than the read timeout. Silence after
// a whole request is never a timeout.
inline void checkCommandTimeouts(Connection& conn, double now, const CommandTimeouts& timeouts,
                                 Metrics& metrics, std::string_view authLine,
                                 std::string_view readLine) {
  if (timeouts.authRequired && !conn.authenticated && now - conn.openedAt >= timeouts.auth) {
    ++metrics.protocolErrors;
    conn.fail(CloseReason::kAuthTimeout, authLine);
  } else if (timeouts.read > 0 && conn.partialSince >= 0 &&
             now - conn.partialSince >= timeouts.read) {
    ++metrics.protocolErrors;
    conn.fail(CloseReason::kReadTimeout, readLine);
  }
}

}  // namespace linecast
