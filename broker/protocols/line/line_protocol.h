#pragma once

#include "protocols/access_control.h"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.h"
#include "protocols/command_timeouts.h"
#include "protocols/line/command.h"
#include "protocols/line/line_output.h"
#include "protocols/line/line_parser.h"
#include "protocols/protocol.h"
#include "routing/broker.h"

namespace linecast {

struct LineProtocolSettings {
  std::size_t maxLine = 1024 * 1024;
  std::size_t maxSubs = 10000;
  std::string authToken;  // empty: no authentication
  double authTimeout = 10;
  double readTimeout = 0;
  std::shared_ptr<UserDirectoryStore> users = nullptr;  // --users; null: none
  std::shared_ptr<JwtKeyStore> jwt = nullptr;  // --jwt-secret-file, --jwt-public-key; null: none
};

// The line protocol of docs/PROTOCOL.md: frames a connection's input into
// lines, executes each command against the Broker, and queues the replies.
// It claims every first byte, so it is the fallback of a listener that
// detects (RESP claims '*' before it).
class LineProtocol final : public Protocol {
 public:
  LineProtocol(Broker& broker, LineProtocolSettings settings);

  std::string_view name() const override { return "line"; }
  bool claims(char) const override { return true; }
  std::unique_ptr<Session> open(Connection& conn) override;

  // Executes every complete line in conn's input ring. `scratch` holds
  // max-line + 1 bytes for a line that wraps around the ring.
  void process(Connection& conn, LineParser& parser, std::span<char> scratch, double now);
  // Executes one line whose replies go through `out` (WebSocket: a
  // message's lines; TCP uses process()).
  void executeLine(Connection& conn, LineOutput& out, std::string_view line) { execute(conn, out, line); }
  void checkTimeouts(Connection& conn, LineOutput& out, double now);
  // An event stream's SUB (GET /sub/, docs/PROTOCOL.md): `patterns` are
  // SUB's arguments. admitsSubscribe runs SUB's checks only: true when the
  // SUB would take effect now, else its refusal went through `out` and
  // nothing changed. subscribeFor is SUB itself, with the retained
  // messages of the new patterns framed by `session` (the stream's, which
  // the connection installs after this request), so the HTTP side can
  // write the response head between the two.
  bool admitsSubscribe(Connection& conn, LineOutput& out, std::string_view patterns);
  void subscribeFor(Connection& conn, LineOutput& out, std::string_view patterns, Session& session) {
    subscribe(conn, out, patterns, session);
  }
  // A plaintext connection under --tls-required: -ERR TLS required, closed.
  void refusePlaintext(Connection& conn);

  bool requiresAuth() const { return access_.required(); }

 private:
  enum class PatternCheck { kValid, kInvalid, kNone };
  // kInvalid names the first invalid pattern in `bad`.
  static PatternCheck checkPatterns(std::string_view rest, std::string_view& bad);
  void refuse(Connection& conn, LineOutput& out, std::string_view name, bool pattern, std::string_view text);
  void execute(Connection& conn, LineOutput& out, std::string_view line);
  // PUB, or RETAIN (`retain`), which also keeps the message.
  void publish(Connection& conn, LineOutput& out, std::string_view rest, bool retain = false);
  // SUB's checks: false when it is refused (the reply went through `out`).
  bool checkSubscribe(Connection& conn, LineOutput& out, std::string_view rest);
  // The retained messages of `session`'s new patterns go through `session`.
  void subscribe(Connection& conn, LineOutput& out, std::string_view rest, Session& session);
  bool parksOn(Connection& conn, std::string_view line);
  // One delivery per retained message the patterns match (once each, never
  // on a channel the user's deny_subscribe refuses), framed by `session`.
  void sendRetained(Connection& conn, std::span<const std::string_view> patterns, Session& session);
  void unsubscribe(Connection& conn, LineOutput& out, std::string_view rest);
  void authenticate(Connection& conn, LineOutput& out, std::string_view rest);
  void error(Connection& conn, LineOutput& out, std::string_view text);

  Broker& broker_;
  LineProtocolSettings settings_;
  AccessControl access_;
  std::string tooManySubs_;   // "too many subscriptions (max N)"
  std::string lineTooLong_;   // "-ERR line too long (max N bytes)"
  std::vector<std::string_view> added_;  // reused by SUB
  std::vector<std::string_view> fresh_;  // reused by SUB's --max-subs check
  std::string retainedPrefix_;           // "MSG <channel> " of a retained delivery
};

}  // namespace linecast
