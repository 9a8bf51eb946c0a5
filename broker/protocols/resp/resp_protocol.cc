#include "protocols/resp/resp_protocol.h"

#include <fmt/format.h>

#include <climits>

#include "routing/glob_match.h"
#include "util/ascii.h"
#include "protocols/resp/resp_command_table.h"
#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"

namespace linecast {

namespace {

using Id = RespCommandId;

// Redis 7.0's PUBSUB HELP, line for line.
constexpr std::string_view kPubsubHelpLines[] = {
    "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "CHANNELS [<pattern>]",
    "    Return the currently active channels matching a <pattern> (default: '*').",
    "NUMPAT",
    "    Return number of subscriptions to patterns.",
    "NUMSUB [<channel> ...]",
    "    Return the number of subscribers for the specified channels, excluding",
    "    pattern subscriptions(default: no channels).",
    "SHARDCHANNELS [<pattern>]",
    "    Return the currently active shard level channels matching a <pattern> (default: '*').",
    "SHARDNUMSUB [<shardchannel> ...]",
    "    Return the number of subscribers for the specified shard level channel(s)",
    "HELP",
    "    Prints this help.",
};

constexpr std::string_view kNoAuth = "-NOAUTH Authentication required.";
// Redis 7's text for a channel the user may not use.
constexpr std::string_view kNoPerm =
    "-NOPERM this user has no permissions to access one of the channels used as arguments";
constexpr std::string_view kWrongPass =
    "-WRONGPASS invalid username-password pair or user is disabled.";
constexpr std::string_view kNoAuthHello =
    "-NOAUTH HELLO must be called with the client already authenticated, otherwise the "
    "HELLO AUTH <user> <pass> option can be used to authenticate the client and select the "
    "RESP protocol version at the same time";
constexpr std::string_view kNoPassword =
    "AUTH <password> called without any password configured for the default user. Are you "
    "sure your configuration is correct?";
constexpr std::string_view kBadClientName =
    "Client names cannot contain spaces, newlines or special characters.";
constexpr std::string_view kNotSubscribedContext =
    "': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET are allowed in this context";
// Redis caps the client bytes it echoes in an error.
constexpr std::size_t kMaxEchoed = 128;

// Redis formats client bytes with "%.128s": a C string, cut at a NUL byte.
std::string_view asCString(std::string_view bytes, std::size_t max) {
  return bytes.substr(0, std::min(max, bytes.find('\0')));
}

// Redis's validateClientName: printable ASCII without spaces.
bool validClientName(std::string_view name) {
  for (char c : name) {
    if (c < '!' || c > '~') return false;
  }
  return true;
}

// A container's name in "unknown subcommand" errors; empty for a plain
// command.
std::string_view containerName(RespCommandId id) {
  switch (id) {
    case Id::kClient: return "CLIENT";
    case Id::kPubsub: return "PUBSUB";
    case Id::kConfig: return "CONFIG";
    case Id::kCommand: return "COMMAND";
    default: return {};
  }
}

}  // namespace

void RespSession::onInput(Connection& conn, std::span<char> scratch, double now) {
  protocol_.process(conn, *this, scratch, now);
}

bool RespSession::deliver(Connection& conn, const Delivery& message) {
  return respMessage(conn, version, message.channel, message.payload);
}

void RespSession::checkTimeouts(Connection& conn, double now) { protocol_.checkTimeouts(conn, now); }

void RespSession::refusePlaintext(Connection& conn) { protocol_.refusePlaintext(conn); }

void RespProtocol::refusePlaintext(Connection& conn) {
  ++broker_.metrics().protocolErrors;
  conn.fail(CloseReason::kTlsRequired, "-ERR TLS required\r\n");
}

void RespSession::dropSubscriptions(Connection& conn) { protocol_.unsubscribeAll(conn); }

void RespSession::describe(const Connection&, SessionDescription& out) const {
  out.protocol = "resp";
  out.name = name;
  out.channels = channels.size();
  out.patterns = patterns.size();
  out.shardChannels = shardChannels.size();
  out.queued = inMulti ? static_cast<long long>(queued.size()) : -1;
  out.queuedBytes = queuedBytes;
  out.resp = version == RespVersion::k3 ? 3 : 2;
  out.noEvict = noEvict;
  if (lastCommand != nullptr) out.lastCommand = lastCommand->fullName;
}

RespProtocol::RespProtocol(Broker& broker, ClientDirectory& clients, RespProtocolSettings settings)
    : broker_(broker), clients_(clients), settings_(std::move(settings)), access_(settings_.authToken, settings_.users, settings_.jwt, broker) {
  tooManySubs_ = fmt::format("too many subscriptions (max {})", settings_.maxSubs);
  broker_.addIndex(index_);
}

std::unique_ptr<Session> RespProtocol::open(Connection& conn) {
  auto session = std::make_unique<RespSession>(*this, settings_.maxLine);
  // A partial request stays in the ring until it is complete: let the ring
  // hold the largest one the parser accepts.
  conn.setMaxPending(session->parser.maxPending());
  return session;
}

void RespProtocol::checkTimeouts(Connection& conn, double now) {
  checkCommandTimeouts(conn, now, {requiresAuth(), settings_.authTimeout, settings_.readTimeout},
                       broker_.metrics(),
                       // Redis has no token expiry; the spec closes a RESP
                       // connection silently (a pushed error would be read
                       // as the reply to the client's next command).
                       {"-ERR authentication timeout\r\n", "-ERR read timeout\r\n", ""});
}

void RespProtocol::unsubscribeAll(Connection& conn) {
  if (!respSession(conn).subscribed()) return;
  Broker::SubscriptionChange change(broker_);
  index_.unsubscribeAll(conn);
}

void RespProtocol::process(Connection& conn, RespSession& session, std::span<char> scratch,
                           double now) {
  RespParser& parser = session.parser;
  RingBuffer& in = conn.input();
  while (conn.open() && !conn.fanoutSpent()) {
    std::size_t frameLength = 0;
    bool unauthenticated = requiresAuth() && !conn.authenticated;
    auto status = parser.next(in, scratch, unauthenticated, frameLength);
    if (status == RespParser::Status::kNeedMore) break;
    if (status == RespParser::Status::kError) {
      // Redis sends the error and closes the connection.
      ++broker_.metrics().protocolErrors;
      conn.fail(CloseReason::kProtocolError, parser.error());
      return;
    }
    if (!parser.args().empty()) execute(conn, parser.args(), now);
    // QUIT or a cut drops the input; it must not be consumed twice.
    if (conn.open()) in.consume(frameLength);
  }
  // The fan-out budget is spent: the Server resumes this input next turn.
  conn.inputWaiting = conn.open() && conn.fanoutSpent() && !in.empty();
  // Silence between requests is never a timeout; a partial request is timed
  // from its last byte (--read-timeout).
  conn.notePartial(conn.open() && !in.empty() && !conn.inputWaiting, now);
}

void RespProtocol::execute(Connection& conn, std::span<const std::string_view> argv, double now) {
  RespSession& session = respSession(conn);
  // CLIENT REPLY: this request's replies are dropped while OFF, or once
  // after SKIP (pushes go out whatever it says).
  conn.repliesOff = session.repliesOff || session.skipNextReply;
  session.skipNextReply = false;
  // Redis 7.0 answers QUIT before anything else: any arguments, any state.
  if (equalsIgnoreCase(argv[0], "quit")) {
    respSimple(conn, "OK");
    conn.drain(CloseReason::kQuit);  // drops the bytes after QUIT
    return;
  }
  const RespCommandInfo* command = findRespCommand(argv[0]);
  session.lastCommand = command;  // CLIENT LIST's cmd=, as Redis's lastcmd
  if (command == nullptr) {
    session.flagTransaction();
    return unknownCommand(conn, argv);
  }
  if (argv.size() >= 2) {
    if (const RespCommandInfo* sub = findRespSubcommand(command->id, argv[1])) {
      command = sub;
      session.lastCommand = sub;
    } else if (std::string_view container = containerName(command->id); !container.empty()) {
      session.lastCommand = nullptr;
      session.flagTransaction();
      return unknownSubcommand(conn, container, argv[1]);
    }
  }
  if (!respArityFits(*command, argv.size())) {
    if (command->id == Id::kExec) {
      // Redis aborts a transaction on a malformed EXEC, with its reason.
      session.endMulti();
      return error(conn, "-EXECABORT Transaction discarded because of: wrong number of arguments for 'exec' command");
    }
    session.flagTransaction();
    return wrongArity(conn, *command);
  }
  if (requiresAuth() && !conn.authenticated && !command->noAuth) {
    session.flagTransaction();
    return error(conn, kNoAuth);
  }
  if (session.inSubscribedMode() && !command->whileSubscribed) {
    session.flagTransaction();
    return refusedWhileSubscribed(conn, *command);
  }
  bool control = command->id == Id::kMulti || command->id == Id::kExec || command->id == Id::kDiscard ||
                 command->id == Id::kReset;
  if (session.inMulti && !control) return queueCommand(conn, *command, argv);
  run(conn, *command, argv, now);
}

void RespProtocol::run(Connection& conn, const RespCommandInfo& checked,
                       std::span<const std::string_view> argv, double now) {
  RespSession& session = respSession(conn);
  const RespCommandInfo* command = &checked;
  switch (command->id) {
    case Id::kPublish: {
      PublishRoute& route = broker_.route(argv[1]);
      if (!access_.mayPublish(conn, argv[1], route)) return error(conn, kNoPerm);
      std::size_t delivered = broker_.publishAnyBytes(argv[1], route, argv[2]);
      // A `message` frame: its header is about 30 bytes besides the names.
      // One delivery appends about what was read (the read budget's part).
      if (delivered > 1) conn.chargeFanout(delivered, argv[1].size() + argv[2].size() + 32);
      respInteger(conn, static_cast<long long>(delivered));
      break;
    }
    case Id::kSubscribe:
      if (!maySubscribeAll(conn, argv.subspan(1), false)) return error(conn, kNoPerm);
      subscribe(conn, argv.subspan(1), Family::kChannel);
      break;
    case Id::kUnsubscribe:
      unsubscribe(conn, argv.subspan(1), Family::kChannel);
      break;
    case Id::kPsubscribe:
      if (!maySubscribeAll(conn, argv.subspan(1), true)) return error(conn, kNoPerm);
      subscribe(conn, argv.subspan(1), Family::kPattern);
      break;
    case Id::kPunsubscribe:
      unsubscribe(conn, argv.subspan(1), Family::kPattern);
      break;
    case Id::kSsubscribe:
      if (!maySubscribeAll(conn, argv.subspan(1), false)) return error(conn, kNoPerm);
      subscribe(conn, argv.subspan(1), Family::kShard);
      break;
    case Id::kSunsubscribe:
      unsubscribe(conn, argv.subspan(1), Family::kShard);
      break;
    case Id::kSpublish: {
      if (!access_.mayPublish(conn, argv[1], broker_.route(argv[1]))) return error(conn, kNoPerm);
      std::size_t delivered = broker_.publishShard(argv[1], argv[2]);
      if (delivered > 1) conn.chargeFanout(delivered, argv[1].size() + argv[2].size() + 32);
      respInteger(conn, static_cast<long long>(delivered));
      break;
    }
    case Id::kPubsubChannels:
    case Id::kPubsubShardChannels:
      // Redis checks the count in the subcommand itself, with its own text.
      if (argv.size() > 3) return subcommandSyntaxError(conn, "PUBSUB", argv[1]);
      pubsubChannels(conn, argv.size() == 3 ? argv[2] : std::string_view("*"),
                     command->id == Id::kPubsubShardChannels);
      break;
    case Id::kPubsubNumsub:
    case Id::kPubsubShardNumsub:
      pubsubNumsub(conn, argv.subspan(2), command->id == Id::kPubsubShardNumsub);
      break;
    case Id::kPubsubNumpat:
      respInteger(conn, static_cast<long long>(broker_.censusAll().patterns.size()));
      break;
    case Id::kPubsubHelp:
      conn.queueReply('*', RespDecimal(std::size(kPubsubHelpLines)).view(), kCrlf);
      for (std::string_view line : kPubsubHelpLines) respSimple(conn, line);
      break;
    case Id::kMulti:
      multi(conn);
      break;
    case Id::kExec:
      exec(conn, now);
      break;
    case Id::kDiscard:
      discard(conn);
      break;
    case Id::kWait:
      wait(conn, argv);
      break;
    case Id::kInfo:
      info(conn, argv.subspan(1));
      break;
    case Id::kCommand:
    case Id::kCommandCount:
    case Id::kCommandInfo:
    case Id::kCommandDocs:
      describeCommands(conn, command->id, argv);
      break;
    case Id::kConfigGet:
      configGet(conn, argv.subspan(2));
      break;
    case Id::kConfigSet:
      configSet(conn, argv[2]);
      break;
    case Id::kClientId:
      respInteger(conn, static_cast<long long>(conn.id()));
      break;
    case Id::kClientNoEvict:
      clientNoEvict(conn, argv[2]);
      break;
    case Id::kClientSetInfo:
      clientSetInfo(conn, argv[2], argv[3]);
      break;
    case Id::kClientReply:
      clientReply(conn, argv[2]);
      break;
    case Id::kClientList:
      clientList(conn, argv);
      break;
    case Id::kClientInfo:
      clientInfo(conn);
      break;
    case Id::kClientKill:
      clientKill(conn, argv);
      break;
    case Id::kConfig:
    case Id::kPubsub:
    case Id::kPing:
      // PING checks its own upper bound, after authentication, as Redis does.
      if (argv.size() > 2) return wrongArity(conn, *command);
      ping(conn, argv);
      break;
    case Id::kReset:
      reset(conn, now);
      break;
    case Id::kEcho:
      respBulk(conn, argv[1]);
      break;
    case Id::kAuth:
      auth(conn, argv);
      break;
    case Id::kHello:
      hello(conn, argv);
      break;
    case Id::kSelect:
      select(conn, argv[1]);
      break;
    case Id::kClientSetName:
      clientSetName(conn, argv[2]);
      break;
    case Id::kClientGetName:
      if (session.name.empty()) {
        respNull(conn, session.version);
      } else {
        respBulk(conn, session.name);
      }
      break;
    case Id::kClient:
      break;  // without a subcommand it failed the arity check
  }
}

namespace {

using Family = RespProtocol::Family;

bool addTo(RespIndex& index, Connection& conn, Family family, std::string_view name) {
  switch (family) {
    case Family::kChannel: return index.subscribeChannel(conn, name);
    case Family::kPattern: return index.subscribePattern(conn, name);
    case Family::kShard: return index.subscribeShard(conn, name);
  }
  return false;
}

bool dropFrom(RespIndex& index, Connection& conn, Family family, std::string_view name) {
  switch (family) {
    case Family::kChannel: return index.unsubscribeChannel(conn, name);
    case Family::kPattern: return index.unsubscribePattern(conn, name);
    case Family::kShard: return index.unsubscribeShard(conn, name);
  }
  return false;
}

// Redis's count in a confirmation: channels plus patterns, or, for shard
// channels, those alone.
std::size_t familyCount(const RespSession& session, Family family) {
  return family == Family::kShard ? session.shardChannels.size() : session.subscriptionCount();
}

std::string_view subscribeKind(Family family) {
  switch (family) {
    case Family::kChannel: return "subscribe";
    case Family::kPattern: return "psubscribe";
    case Family::kShard: return "ssubscribe";
  }
  return "";
}

std::string_view unsubscribeKind(Family family) {
  switch (family) {
    case Family::kChannel: return "unsubscribe";
    case Family::kPattern: return "punsubscribe";
    case Family::kShard: return "sunsubscribe";
  }
  return "";
}

}  // namespace

void RespProtocol::subscribe(Connection& conn, std::span<const std::string_view> names, Family family) {
  RespSession& session = respSession(conn);
  Broker::SubscriptionChange change(broker_);
  // Subscribe one by one, so repeated names count once and each reply
  // carries the count after its own name, as in Redis; undo everything if
  // the command would pass --max-subs (it then subscribes nothing).
  added_.clear();
  counts_.clear();
  for (std::string_view name : names) {
    if (addTo(index_, conn, family, name)) added_.push_back(name);
    counts_.push_back(familyCount(session, family));
    if (session.allSubscriptions() > settings_.maxSubs) {
      for (std::string_view undo : added_) dropFrom(index_, conn, family, undo);
      added_.clear();
      return error(conn, tooManySubs_);
    }
  }
  for (std::size_t i = 0; i < names.size(); ++i) {
    respSubscription(conn, session.version, subscribeKind(family), names[i], counts_[i]);
  }
  added_.clear();
}

void RespProtocol::unsubscribe(Connection& conn, std::span<const std::string_view> names, Family family) {
  RespSession& session = respSession(conn);
  Broker::SubscriptionChange change(broker_);
  std::string_view kind = unsubscribeKind(family);
  if (!names.empty()) {
    for (std::string_view name : names) {
      dropFrom(index_, conn, family, name);
      respSubscription(conn, session.version, kind, name, familyCount(session, family));
    }
    return;
  }
  // Without arguments: every held name, in no particular order (Redis walks
  // a hash table too); a connection holding none gets one null reply.
  RespSession::NameSet& held = family == Family::kPattern ? session.patterns
                               : family == Family::kShard ? session.shardChannels
                                                          : session.channels;
  if (held.empty()) {
    respSubscriptionNone(conn, session.version, kind, familyCount(session, family));
    return;
  }
  while (!held.empty()) {
    std::string_view name = *held.begin();
    // Reply before dropping: the name is the set's own string.
    respSubscription(conn, session.version, kind, name, familyCount(session, family) - 1);
    dropFrom(index_, conn, family, name);
  }
}

void RespProtocol::pubsubChannels(Connection& conn, std::string_view pattern, bool shard) {
  PubsubCensus census = broker_.censusAll();
  const PubsubCensus::Counts& names = shard ? census.shardChannels : census.channels;
  names_.clear();
  for (const auto& [name, subscribers] : names) {
    if (subscribers > 0 && globMatch(pattern, name)) names_.push_back(name);
  }
  conn.queueReply('*', RespDecimal(static_cast<long long>(names_.size())).view(), kCrlf);
  for (const std::string& name : names_) respBulk(conn, name);
  names_.clear();
}

void RespProtocol::pubsubNumsub(Connection& conn, std::span<const std::string_view> channels, bool shard) {
  PubsubCensus census = broker_.censusAll();
  const PubsubCensus::Counts& counts = shard ? census.shardChannels : census.channels;
  // RESP3 would allow a map; Redis 7.0 answers with a flat array in both.
  conn.queueReply('*', RespDecimal(static_cast<long long>(channels.size() * 2)).view(), kCrlf);
  for (std::string_view channel : channels) {
    auto it = counts.find(channel);
    respBulk(conn, channel);
    respInteger(conn, it == counts.end() ? 0 : static_cast<long long>(it->second));
  }
}

void RespProtocol::ping(Connection& conn, std::span<const std::string_view> argv) {
  if (respSession(conn).inSubscribedMode()) {
    // RESP2 subscribed mode answers with a push-shaped pair: pong, text.
    std::string_view text = argv.size() == 2 ? argv[1] : std::string_view();
    RespDecimal length(static_cast<long long>(text.size()));
    conn.queueReply(std::string_view("*2\r\n$4\r\npong\r\n$"), length.view(), kCrlf, text, kCrlf);
  } else if (argv.size() == 2) {
    respBulk(conn, argv[1]);
  } else {
    respSimple(conn, "PONG");
  }
}

void RespProtocol::reset(Connection& conn, double now) {
  // As Redis's RESET: no subscriptions (and no unsubscribe replies), no
  // name, RESP2 again, and back to unauthenticated when a token is required.
  unsubscribeAll(conn);
  respSession(conn).name.clear();
  respSession(conn).version = RespVersion::k2;
  respSession(conn).endMulti();
  if (requiresAuth()) {
    access_.admit(conn);  // unauthenticated, or the anonymous user
    conn.openedAt = now;  // a fresh --auth-timeout for the new session
  }
  respSimple(conn, "RESET");
}

bool RespProtocol::authenticateAs(Connection& conn, std::string_view user, std::string_view password) {
  // The token is the password of Redis's "default" user; without any
  // authentication that user takes any password, as Redis's nopass
  // default user does.
  if (!requiresAuth()) return user == "default";
  if (user == "default" && access_.takesTokens()) return access_.withToken(conn, password);
  if (user == "default" || !access_.hasUsers()) {
    access_.countFailure();
    return false;
  }
  return access_.withPassword(conn, user, password);
}

bool RespProtocol::maySubscribeAll(Connection& conn, std::span<const std::string_view> names, bool patterns) {
  if (conn.permissions() == nullptr) return true;
  for (std::string_view name : names) {
    if (!patterns) {
      if (!access_.maySubscribe(conn, name)) return false;
      continue;
    }
    // A Redis glob is checked as the linecast pattern that holds every
    // channel it can match: its literal part up to the last '.' before the
    // first glob character, then ">" (news.* -> news.>; *, n?ws -> >).
    std::size_t glob = name.find_first_of("*?[\\");
    if (glob == std::string_view::npos) {
      if (!access_.maySubscribe(conn, name)) return false;
      continue;
    }
    std::size_t dot = name.substr(0, glob).rfind('.');
    std::string cover = dot == std::string_view::npos ? ">" : std::string(name.substr(0, dot + 1)) + ">";
    if (!access_.maySubscribe(conn, cover)) return false;
  }
  return true;
}

void RespProtocol::auth(Connection& conn, std::span<const std::string_view> argv) {
  if (argv.size() > 3) return error(conn, "syntax error");
  std::string_view user = "default";
  std::string_view password;
  if (argv.size() == 2) {
    if (!requiresAuth()) return error(conn, kNoPassword);
    password = argv[1];
  } else {
    user = argv[1];
    password = argv[2];
  }
  // A wrong password is not fatal for a RESP connection (Redis's rule).
  if (!authenticateAs(conn, user, password)) return error(conn, kWrongPass);
  conn.authenticated = true;
  respSimple(conn, "OK");
}

void RespProtocol::hello(Connection& conn, std::span<const std::string_view> argv) {
  constexpr std::string_view kNoProto = "-NOPROTO unsupported protocol version";
  std::size_t next = 1;
  long long version = 2;
  if (argv.size() >= 2) {
    if (!parseRedisInteger(argv[1], version)) {
      return error(conn, "Protocol version is not an integer or out of range");
    }
    if (version < 2 || version > 3) return error(conn, kNoProto);
    next = 2;
  }
  std::string_view user;
  std::string_view password;
  std::string_view name;
  bool authGiven = false;
  bool nameGiven = false;
  for (std::size_t j = next; j < argv.size(); ++j) {
    std::size_t more = argv.size() - 1 - j;
    if (equalsIgnoreCase(argv[j], "auth") && more >= 2) {
      user = argv[j + 1];
      password = argv[j + 2];
      authGiven = true;
      j += 2;
    } else if (equalsIgnoreCase(argv[j], "setname") && more >= 1) {
      name = argv[j + 1];
      if (!validClientName(name)) return error(conn, kBadClientName);
      nameGiven = true;
      ++j;
    } else {
      text_.assign("Syntax error in HELLO option '");
      text_.append(asCString(argv[j], std::string_view::npos));
      text_.append("'");
      respSanitize(text_);
      return error(conn, text_);
    }
  }
  if (authGiven) {
    if (!authenticateAs(conn, user, password)) return error(conn, kWrongPass);
    conn.authenticated = true;
  }
  if (requiresAuth() && !conn.authenticated) return error(conn, kNoAuthHello);
  RespSession& session = respSession(conn);
  if (nameGiven) session.name.assign(name);
  // The version switches before the reply, which is already in it.
  if (argv.size() >= 2) session.version = version == 3 ? RespVersion::k3 : RespVersion::k2;

  // Redis 7.0's server description (docs/PROTOCOL.md: linecast answers as
  // the Redis whose behaviour it follows): a map of 7, which RESP2 flattens
  // into an array of 14.
  bool resp3 = session.version == RespVersion::k3;
  RespDecimal id(static_cast<long long>(conn.id()));
  conn.queueReply(resp3 ? std::string_view("%7\r\n") : std::string_view("*14\r\n"),
             std::string_view("$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"
                              "$5\r\nproto\r\n:"),
             resp3 ? '3' : '2', std::string_view("\r\n$2\r\nid\r\n:"), id.view(),
             std::string_view("\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster"
                              "\r\n$7\r\nmodules\r\n*0\r\n"));
}

void RespProtocol::select(Connection& conn, std::string_view index) {
  long long number;
  if (!parseRedisInteger(index, number)) {
    return error(conn, "value is not an integer or out of range");
  }
  if (number < INT_MIN || number > INT_MAX) {
    return error(conn, "value is out of range, value must between -2147483648 and 2147483647");
  }
  // One channel space: database 0 only, as a Redis with `databases 1`.
  if (number != 0) return error(conn, "DB index is out of range");
  respSimple(conn, "OK");
}

void RespProtocol::clientSetName(Connection& conn, std::string_view name) {
  if (!validClientName(name)) return error(conn, kBadClientName);
  respSession(conn).name.assign(name);  // an empty name removes it
  respSimple(conn, "OK");
}

void RespProtocol::error(Connection& conn, std::string_view text) {
  ++broker_.metrics().protocolErrors;
  respError(conn, text);
}

void RespProtocol::unknownCommand(Connection& conn, std::span<const std::string_view> argv) {
  // Redis: "unknown command '%.128s', with args beginning with: " and then
  // "'%.*s' " per argument while the list is under 128 bytes.
  text_.assign("unknown command '");
  text_.append(asCString(argv[0], kMaxEchoed));
  text_.append("', with args beginning with: ");
  std::size_t listed = 0;
  for (std::size_t i = 1; i < argv.size() && listed < kMaxEchoed; ++i) {
    std::string_view arg = asCString(argv[i], kMaxEchoed - listed);
    text_.append("'");
    text_.append(arg);
    text_.append("' ");
    listed += arg.size() + 3;
  }
  respSanitize(text_);
  error(conn, text_);
}

void RespProtocol::unknownSubcommand(Connection& conn, std::string_view command,
                                     std::string_view subcommand) {
  subcommandError(conn, "unknown subcommand '", command, subcommand);
}

void RespProtocol::subcommandSyntaxError(Connection& conn, std::string_view command,
                                         std::string_view subcommand) {
  subcommandError(conn, "unknown subcommand or wrong number of arguments for '", command, subcommand);
}

// Redis: "<lead>%.128s'. Try <COMMAND> HELP."
void RespProtocol::subcommandError(Connection& conn, std::string_view lead, std::string_view command,
                                   std::string_view subcommand) {
  text_.assign(lead);
  text_.append(asCString(subcommand, kMaxEchoed));
  text_.append("'. Try ");
  text_.append(command);
  text_.append(" HELP.");
  respSanitize(text_);
  error(conn, text_);
}

void RespProtocol::wrongArity(Connection& conn, const RespCommandInfo& command) {
  text_.assign("wrong number of arguments for '");
  text_.append(command.fullName);
  text_.append("' command");
  error(conn, text_);
}

void RespProtocol::refusedWhileSubscribed(Connection& conn, const RespCommandInfo& command) {
  text_.assign("Can't execute '");
  text_.append(command.fullName);
  text_.append(kNotSubscribedContext);
  error(conn, text_);
}

}  // namespace linecast
