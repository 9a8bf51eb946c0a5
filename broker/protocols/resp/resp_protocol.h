#pragma once

#include "protocols/access_control.h"

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "client_directory.h"
#include "net/connection.h"
#include "protocols/command_timeouts.h"
#include "protocols/protocol.h"
#include "protocols/resp/resp_index.h"
#include "routing/broker.h"

namespace linecast {

struct RespProtocolSettings {
  std::size_t maxLine = 1024 * 1024;
  std::size_t maxSubs = 10000;
  std::string authToken;  // empty: no authentication
  double authTimeout = 10;
  double readTimeout = 0;
  std::shared_ptr<UserDirectoryStore> users = nullptr;  // --users; null: none
  std::shared_ptr<JwtKeyStore> jwt = nullptr;  // --jwt-secret-file, --jwt-public-key; null: none
  // For CONFIG GET: --max-conns and --max-outbuf.
  std::size_t maxClients = 10000;
  std::size_t maxOutbuf = 8 * 1024 * 1024;
};

struct RespCommandInfo;
enum class RespCommandId;
class RespSession;

// The RESP2 pub/sub subset of docs/PROTOCOL.md ("Redis clients"), answered
// the way Redis 7.0 answers: SUBSCRIBE, UNSUBSCRIBE, PSUBSCRIBE,
// PUNSUBSCRIBE, PUBLISH, PING, QUIT, RESET, ECHO, AUTH, HELLO, CLIENT
// SETNAME/GETNAME and SELECT, with Redis's checks in Redis's order (QUIT
// first, then unknown command, arity, authentication, subscribed mode) and
// Redis's error texts; anything else is an unknown command. It claims a
// connection whose first byte is '*' (a multibulk request); its
// subscriptions live in its own RespIndex, registered with the Broker.
class RespProtocol final : public Protocol {
 public:
  RespProtocol(Broker& broker, ClientDirectory& clients, RespProtocolSettings settings);
  ~RespProtocol() override { broker_.removeIndex(index_); }
  RespProtocol(const RespProtocol&) = delete;
  RespProtocol& operator=(const RespProtocol&) = delete;

  std::string_view name() const override { return "resp"; }
  bool claims(char firstByte) const override { return firstByte == '*'; }
  std::unique_ptr<Session> open(Connection& conn) override;

  // Executes every complete request in conn's input ring. `scratch` holds
  // max-line + 1 bytes for an argument that wraps around the ring.
  void process(Connection& conn, RespSession& session, std::span<char> scratch, double now);
  void checkTimeouts(Connection& conn, double now);
  // A plaintext connection under --tls-required: -ERR TLS required, closed.
  void refusePlaintext(Connection& conn);
  // Drops every subscription of the connection (RESET, close).
  void unsubscribeAll(Connection& conn);

  bool requiresAuth() const { return access_.required(); }
  // The three kinds of Redis subscription: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE.
  enum class Family { kChannel, kPattern, kShard };
  RespIndex& index() { return index_; }

 private:
  // Checks a request as Redis's processCommand does (command, arity,
  // authentication, subscribed mode), then queues it inside MULTI or runs it.
  void execute(Connection& conn, std::span<const std::string_view> argv, double now);
  // Runs a checked command (EXEC runs its queue through this, unchecked
  // again, as Redis does).
  void run(Connection& conn, const RespCommandInfo& command, std::span<const std::string_view> argv,
           double now);
  // MULTI, EXEC, DISCARD and the queueing between (resp_transaction.cc).
  void multi(Connection& conn);
  void exec(Connection& conn, double now);
  void discard(Connection& conn);
  void queueCommand(Connection& conn, const RespCommandInfo& command, std::span<const std::string_view> argv);
  // WAIT, CONFIG GET/SET, CLIENT ID/NO-EVICT/SETINFO (resp_server_commands.cc).
  void wait(Connection& conn, std::span<const std::string_view> argv);
  void configGet(Connection& conn, std::span<const std::string_view> patterns);
  void configSet(Connection& conn, std::string_view name);
  void clientNoEvict(Connection& conn, std::string_view mode);
  void clientSetInfo(Connection& conn, std::string_view attribute, std::string_view value);
  void clientReply(Connection& conn, std::string_view mode);
  // CLIENT LIST/INFO/KILL over every connection of every thread and
  // protocol (ClientDirectory; resp_client_commands.cc).
  void clientList(Connection& conn, std::span<const std::string_view> argv);
  void clientInfo(Connection& conn);
  void clientKill(Connection& conn, std::span<const std::string_view> argv);
  // A verbatim "txt" string in RESP3 (INFO, CLIENT LIST), a bulk in RESP2.
  void verbatim(Connection& conn, std::string_view text);
  void info(Connection& conn, std::span<const std::string_view> sections);
  // COMMAND, COMMAND COUNT / INFO / DOCS (resp_command_docs.cc).
  void describeCommands(Connection& conn, RespCommandId id, std::span<const std::string_view> argv);
  void subscribe(Connection& conn, std::span<const std::string_view> names, Family family);
  void unsubscribe(Connection& conn, std::span<const std::string_view> names, Family family);
  // PUBSUB CHANNELS / SHARDCHANNELS and NUMSUB / SHARDNUMSUB, over every
  // thread and protocol (Broker::censusAll).
  void pubsubChannels(Connection& conn, std::string_view pattern, bool shard);
  void pubsubNumsub(Connection& conn, std::span<const std::string_view> channels, bool shard);
  void ping(Connection& conn, std::span<const std::string_view> argv);
  void reset(Connection& conn, double now);
  void auth(Connection& conn, std::span<const std::string_view> argv);
  void hello(Connection& conn, std::span<const std::string_view> argv);
  void select(Connection& conn, std::string_view index);
  void clientSetName(Connection& conn, std::string_view name);
  // AUTH's and HELLO AUTH's user and password: the token is the "default"
  // user's password; any other user is one of --users.
  bool authenticateAs(Connection& conn, std::string_view user, std::string_view password);
  // A user with permissions: NOPERM unless every name may be subscribed.
  bool maySubscribeAll(Connection& conn, std::span<const std::string_view> names, bool patterns);

  void error(Connection& conn, std::string_view text);
  void unknownCommand(Connection& conn, std::span<const std::string_view> argv);
  void unknownSubcommand(Connection& conn, std::string_view command, std::string_view subcommand);
  void subcommandSyntaxError(Connection& conn, std::string_view command, std::string_view subcommand);
  void subcommandError(Connection& conn, std::string_view lead, std::string_view command,
                       std::string_view subcommand);
  void wrongArity(Connection& conn, const RespCommandInfo& command);
  void refusedWhileSubscribed(Connection& conn, const RespCommandInfo& command);

  Broker& broker_;
  ClientDirectory& clients_;
  RespProtocolSettings settings_;
  AccessControl access_;
  RespIndex index_;
  std::string tooManySubs_;            // "too many subscriptions (max N)"
  std::string text_;                   // reused for error texts built per request
  std::vector<std::string_view> added_;  // reused by (P)SUBSCRIBE
  std::vector<std::size_t> counts_;      // reused by (P)SUBSCRIBE
  std::vector<std::string> names_;       // reused by PUBSUB CHANNELS
};

}  // namespace linecast
