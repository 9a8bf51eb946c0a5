#pragma once

#include <span>
#include <string_view>

#include "net/connection.h"
#include "net/session.h"

namespace linecast {

// A Server-Sent Events stream (GET /sub/<patterns>, docs/PROTOCOL.md):
// after the 200 and its headers, each delivery is one event,
// `data: <channel> <payload>` and a blank line, and a `: keepalive`
// comment goes out after `keepalive` seconds of silence, so proxies and
// the browser keep the stream open. The HTTP session subscribed it before
// handing it over; it takes no more requests.
class SseSession final : public Session {
 public:
  explicit SseSession(double keepalive) : keepalive_(keepalive) {}

  SessionKind kind() const override { return SessionKind::kSse; }
  // What a stream's client sends is read and dropped.
  void onInput(Connection& conn, std::span<char>, double) override { conn.input().clear(); }
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  // The HTTP session refused plaintext before a stream could start.
  void refusePlaintext(Connection& conn) override { conn.abort(CloseReason::kTlsRequired); }
  void describe(const Connection& conn, SessionDescription& out) const override;

 private:
  double keepalive_;
};

}  // namespace linecast
