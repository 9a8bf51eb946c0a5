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

// The lines each protocol ends a timed-out connection with ("" closes
// without one).
struct TimeoutLines {
  std::string_view auth;
  std::string_view read;
  std::string_view expired;
};

// The cron's check of one open connection: its JWT expired,
// unauthenticated past the auth timeout, or a partial request older than
// the read timeout (counted as a protocol error). Silence after a whole
// request is never a timeout. kNone when none has passed.
inline CloseReason commandTimeout(const Connection& conn, double now, const CommandTimeouts& timeouts,
                                  Metrics& metrics) {
  if (conn.credentialsExpire() > 0 && now >= conn.credentialsExpire()) return CloseReason::kTokenExpired;
  if (timeouts.authRequired && !conn.authenticated && now - conn.openedAt >= timeouts.auth) {
    ++metrics.protocolErrors;
    return CloseReason::kAuthTimeout;
  }
  if (timeouts.read > 0 && conn.partialWaiting() && conn.partialSeconds(now) >= timeouts.read) {
    ++metrics.protocolErrors;
    return CloseReason::kReadTimeout;
  }
  return CloseReason::kNone;
}

// commandTimeout, and the connection closed with the protocol's line for it.
inline void checkCommandTimeouts(Connection& conn, double now, const CommandTimeouts& timeouts,
                                 Metrics& metrics, const TimeoutLines& lines) {
  switch (commandTimeout(conn, now, timeouts, metrics)) {
    case CloseReason::kTokenExpired: return conn.fail(CloseReason::kTokenExpired, lines.expired);
    case CloseReason::kAuthTimeout: return conn.fail(CloseReason::kAuthTimeout, lines.auth);
    case CloseReason::kReadTimeout: return conn.fail(CloseReason::kReadTimeout, lines.read);
    default: return;
  }
}

}  // namespace linecast
