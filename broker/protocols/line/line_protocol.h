#pragma once

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "routing/broker.h"
#include "protocols/line/command.h"
#include "net/connection.h"

namespace linecast {

struct LineProtocolSettings {
  std::size_t maxSubs = 10000;
  std::string authToken;  // empty: no authentication
};

// The line protocol of docs/PROTOCOL.md: frames a connection's input into
// lines, executes each command against the Broker, and queues the replies.
class LineProtocol {
 public:
  LineProtocol(Broker& broker, LineProtocolSettings settings);

  // Executes every complete line in conn's input ring. `scratch` holds
  // max-line + 1 bytes for a line that wraps around the ring.
  void process(Connection& conn, std::span<char> scratch, double now);

  bool requiresAuth() const { return !settings_.authToken.empty(); }

 private:
  enum class PatternCheck { kValid, kInvalid, kNone };
  // kInvalid names the first invalid pattern in `bad`.
  static PatternCheck checkPatterns(std::string_view rest, std::string_view& bad);
  void refuse(Connection& conn, std::string_view name, bool pattern, std::string_view text);
  void execute(Connection& conn, std::string_view line);
  void publish(Connection& conn, std::string_view rest);
  void subscribe(Connection& conn, std::string_view rest);
  void unsubscribe(Connection& conn, std::string_view rest);
  void authenticate(Connection& conn, std::string_view rest);
  void error(Connection& conn, std::string_view text);

  Broker& broker_;
  LineProtocolSettings settings_;
  std::string tooManySubs_;   // "too many subscriptions (max N)"
  std::string lineTooLong_;   // "-ERR line too long (max N bytes)\n"
  std::vector<std::string_view> added_;  // reused by SUB
};

}  // namespace linecast
