#pragma once

#include <string>
#include <unordered_set>
#include <vector>

#include "net/connection.h"
#include "net/session.h"
#include "protocols/resp/resp_command_table.h"
#include "protocols/resp/resp_parser.h"
#include "protocols/resp/resp_writer.h"
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

  SessionKind kind() const override { return SessionKind::kResp; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  // A `message` push in the connection's RESP version (only the RespIndex
  // delivers to RESP connections; this frames a Router delivery the same
  // way should one come).
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void dropSubscriptions(Connection& conn) override;
  void describe(const Connection& conn, SessionDescription& out) const override;

  using NameSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  RespParser parser;
  NameSet channels;  // SUBSCRIBE: exact channels
  NameSet patterns;  // PSUBSCRIBE: Redis globs
  NameSet shardChannels;  // SSUBSCRIBE: shard channels, a namespace of their own
  std::string name;  // CLIENT SETNAME; empty: none
  RespVersion version = RespVersion::k2;  // HELLO 3 switches, HELLO 2 and RESET switch back
  std::string libName;  // CLIENT SETINFO LIB-NAME
  std::string libVersion;  // CLIENT SETINFO LIB-VER
  // CLIENT REPLY OFF, and SKIP (for the command after it).
  bool repliesOff = false;
  bool skipNextReply = false;
  bool noEvict = false;  // CLIENT NO-EVICT ON: only shown (flag e), nothing is evicted
  // The last command run, for CLIENT LIST's cmd= ("client|list").
  const RespCommandInfo* lastCommand = nullptr;

  // MULTI: the commands queued for EXEC, already checked, and whether one
  // was refused meanwhile (EXEC then aborts, as Redis's EXECABORT).
  struct Queued {
    const RespCommandInfo* command;
    std::vector<std::string> argv;
  };
  bool inMulti = false;
  bool multiDirty = false;
  std::vector<Queued> queued;
  std::size_t queuedBytes = 0;
  void endMulti() {
    inMulti = false;
    multiDirty = false;
    queued.clear();
    queuedBytes = 0;
  }
  // A command refused while queueing spoils the transaction.
  void flagTransaction() { multiDirty = multiDirty || inMulti; }
  // Redis's count in (un)subscribe replies: channels plus patterns (shard
  // channels are counted apart, in (s)unsubscribe replies).
  std::size_t subscriptionCount() const { return channels.size() + patterns.size(); }
  // What --max-subs bounds.
  std::size_t allSubscriptions() const { return subscriptionCount() + shardChannels.size(); }
  bool subscribed() const { return allSubscriptions() > 0; }
  // RESP2's subscribed mode, which restricts the commands accepted; RESP3
  // has none (pushes are told apart from replies by their type).
  bool inSubscribedMode() const { return subscribed() && version == RespVersion::k2; }

 private:
  RespProtocol& protocol_;
};

// The session of a connection known to speak RESP.
inline RespSession& respSession(Connection& conn) {
  return static_cast<RespSession&>(conn.session());
}

}  // namespace linecast
