#pragma once

#include <string>
#include <unordered_set>

#include "net/connection.h"
#include "net/session.h"
#include "protocols/resp/resp_parser.h"
#include "util/string_hash.h"

namespace linecast {

class RespProtocol;

// What a RESP connection keeps between requests. The sets say what this
// connection holds (for counts, idempotence and cleanup); the thread's
// RespIndex holds the matching side of the same subscriptions, and only it
// changes both. Messages reach a RESP connection through the RespIndex
// (Redis framing, one per matching subscription), not the Router.
class RespSession final : public Session {
 public:
  RespSession(RespProtocol& protocol, std::size_t maxLine) : parser(maxLine), protocol_(protocol) {}

  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  // A `message` push (only the RespIndex delivers to RESP connections; this
  // frames a Router delivery the same way should one come).
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void dropSubscriptions(Connection& conn) override;

  using NameSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  RespParser parser;
  NameSet channels;  // SUBSCRIBE: exact channels
  NameSet patterns;  // PSUBSCRIBE: Redis globs
  std::string name;  // CLIENT SETNAME; empty: none
  // Redis's count in (un)subscribe replies: channels plus patterns.
  std::size_t subscriptionCount() const { return channels.size() + patterns.size(); }
  // RESP2 subscribed mode, which restricts the commands accepted.
  bool subscribed() const { return subscriptionCount() > 0; }

 private:
  RespProtocol& protocol_;
};

// The session of a connection known to speak RESP.
inline RespSession& respSession(Connection& conn) {
  return static_cast<RespSession&>(conn.session());
}

}  // namespace linecast
