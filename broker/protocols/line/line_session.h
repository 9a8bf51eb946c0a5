#pragma once

#include "net/connection.h"
#include "net/session.h"
#include "protocols/line/line_parser.h"
#include "protocols/line/line_protocol.h"
#include "routing/channel.h"

namespace linecast {

// A line-protocol connection's part of its CLIENT LIST line: exact
// channels count as Redis's channels, wildcard patterns as its patterns (as
// PUBSUB counts them). TCP and WebSocket alike.
inline void describeLineSubscriptions(const Connection& conn, SessionDescription& out) {
  for (const std::string& pattern : conn.patterns()) ++(hasWildcardToken(pattern) ? out.patterns : out.channels);
}

// A line-protocol connection: its framing state, and its thread's
// LineProtocol. A delivery is one MSG line, built from the route's cached
// prefix, so the fan-out copies three pieces and formats nothing.
class LineSession final : public Session {
 public:
  LineSession(LineProtocol& protocol, std::size_t maxLine) : protocol_(protocol), parser_(maxLine) {}

  SessionKind kind() const override { return SessionKind::kLine; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override {
    protocol_.process(conn, parser_, scratch, now);
  }
  bool deliver(Connection& conn, const Delivery& message) override {
    return conn.queue(message.linePrefix, message.payload, '\n');
  }
  bool framesAsRouteLine() const override { return true; }
  void checkTimeouts(Connection& conn, double now) override {
    protocol_.checkTimeouts(conn, NewlineOutput::instance(), now);
  }
  std::string_view slowConsumerLine() const override { return "-ERR slow consumer\n"; }
  void refusePlaintext(Connection& conn) override { protocol_.refusePlaintext(conn); }
  void describe(const Connection& conn, SessionDescription& out) const override {
    out.protocol = "line";
    describeLineSubscriptions(conn, out);
  }

 private:
  LineProtocol& protocol_;
  LineParser parser_;
};

}  // namespace linecast
