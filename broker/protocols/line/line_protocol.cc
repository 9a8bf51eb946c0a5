#include "protocols/line/line_protocol.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "protocols/line/line_session.h"
#include "protocols/refused_name.h"
#include "routing/channel.h"

namespace linecast {
namespace {

// Echoing a garbage verb whole could be a megabyte; Redis cuts it too.
constexpr std::size_t kMaxEchoedVerb = 128;

}  // namespace

LineProtocol::LineProtocol(Broker& broker, LineProtocolSettings settings)
    : broker_(broker), settings_(std::move(settings)), access_(settings_.authToken, settings_.users, settings_.jwt, broker) {
  tooManySubs_ = fmt::format("too many subscriptions (max {})", settings_.maxSubs);
}

std::unique_ptr<Session> LineProtocol::open(Connection&) {
  return std::make_unique<LineSession>(*this, settings_.maxLine);
}

void LineProtocol::refusePlaintext(Connection& conn) {
  ++broker_.metrics().protocolErrors;
  conn.fail(CloseReason::kTlsRequired, "-ERR TLS required\n");
}

void LineProtocol::checkTimeouts(Connection& conn, LineOutput& out, double now) {
  CloseReason reason = commandTimeout(conn, now, {requiresAuth(), settings_.authTimeout, settings_.readTimeout},
                                      broker_.metrics());
  switch (reason) {
    case CloseReason::kTokenExpired: return out.fail(conn, reason, "-ERR token expired");
    case CloseReason::kAuthTimeout: return out.fail(conn, reason, "-ERR authentication timeout");
    case CloseReason::kReadTimeout: return out.fail(conn, reason, "-ERR read timeout");
    default: return;
  }
}

void LineProtocol::process(Connection& conn, LineParser& parser, std::span<char> scratch,
                           double now) {
  RingBuffer& in = conn.input();
  LineOutput& out = NewlineOutput::instance();
  while (conn.open() && !conn.fanoutSpent() && !conn.clusterParked) {
    const char* first = in.readableSpans()[0].data();
    const char* parkedAt = nullptr;
    std::size_t framed = parser.frameContiguous(in, [&](std::string_view line) {
      if (parksOn(conn, line)) {
        parkedAt = line.data();
        return false;
      }
      execute(conn, out, line);
      return conn.open() && !conn.fanoutSpent();
    });
    // QUIT or a fatal error dropped the input; it must not be consumed.
    if (!conn.open()) return;
    // A parked PING stays in the input, to run once Redis confirmed.
    in.consume(parkedAt != nullptr ? static_cast<std::size_t>(parkedAt - first) : framed);
    if (conn.fanoutSpent() || conn.clusterParked) break;
    std::string_view line;
    std::size_t frameLength = 0;
    auto status = parser.next(in, scratch, line, frameLength);
    if (status == LineParser::Status::kNeedMore) break;
    if (status == LineParser::Status::kTooLong) {
      ++broker_.metrics().protocolErrors;
      if (lineTooLong_.empty()) {
        lineTooLong_ = fmt::format("-ERR line too long (max {} bytes)", parser.maxLine());
      }
      out.fail(conn, CloseReason::kLineTooLong, lineTooLong_);
      return;
    }
    if (parksOn(conn, line)) break;
    execute(conn, out, line);
    // QUIT or a fatal error drops the input; it must not be consumed twice.
    if (conn.open()) in.consume(frameLength);
  }
  // The fan-out budget is spent, or a PING waits for Redis: the Server
  // resumes this input in a later turn.
  conn.inputWaiting = conn.open() && (conn.fanoutSpent() || conn.clusterParked) && !in.empty();
  // Silence after a whole line is never a timeout; a partial line is timed
  // from its last byte (--read-timeout).
  conn.notePartial(conn.open() && !in.empty() && !conn.inputWaiting, now);
}

// --cluster: a PING after a SUB is answered once Redis confirmed the
// subscriptions that SUB needed, so that after PONG a message published on
// any node reaches the subscriber, and after a RETAIN once Redis stored
// the value (docs/PROTOCOL.md, "Cluster"). Until
// then the connection parks on the PING, unread; the Server resumes it.
// One compare per line otherwise; the verb is looked at only while a
// confirmation is outstanding (about one Redis round trip after a SUB).
bool LineProtocol::parksOn(Connection& conn, std::string_view line) {
  if (conn.clusterNeed() == 0) return false;
  if (broker_.clusterConfirmed(conn.clusterNeed())) {
    conn.setClusterNeed(0);
    return false;
  }
  if (parseCommand(line).verb != Verb::kPing) return false;
  conn.clusterParked = true;
  return true;
}

void LineProtocol::error(Connection& conn, LineOutput& out, std::string_view text) {
  ++broker_.metrics().protocolErrors;
  out.line(conn, "-ERR ", text);
}

void LineProtocol::execute(Connection& conn, LineOutput& out, std::string_view line) {
  // Nearly every line of a busy connection is a PUB in this exact spelling:
  // it skips the general verb parse.
  if (line.size() > 4 && std::memcmp(line.data(), "PUB ", 4) == 0 &&
      (conn.authenticated || !requiresAuth())) {
    return publish(conn, out, line.substr(3));
  }
  Command command = parseCommand(line);
  if (command.verb == Verb::kEmpty) return;
  if (!conn.authenticated && requiresAuth() && command.verb != Verb::kPing &&
      command.verb != Verb::kQuit && command.verb != Verb::kAuth) {
    error(conn, out, "authentication required");
    return;
  }
  switch (command.verb) {
    case Verb::kPub:
      publish(conn, out, command.rest);
      break;
    case Verb::kRetain:
      publish(conn, out, command.rest, true);
      break;
    case Verb::kSub:
      subscribe(conn, out, command.rest, conn.session());
      break;
    case Verb::kUnsub:
      unsubscribe(conn, out, command.rest);
      break;
    case Verb::kPing: {
      std::string_view text = pingText(command.rest);
      if (text.empty()) {
        out.line(conn, "PONG");
      } else {
        out.line(conn, "PONG ", text);
      }
      break;
    }
    case Verb::kAuth:
      authenticate(conn, out, command.rest);
      break;
    case Verb::kQuit:
      out.line(conn, "+OK bye");
      out.close(conn, CloseReason::kQuit);  // drops the bytes after QUIT
      break;
    case Verb::kUnknown:
      ++broker_.metrics().protocolErrors;
      out.line(conn, "-ERR unknown command '", command.verbText.substr(0, kMaxEchoedVerb), "'");
      break;
    case Verb::kEmpty:
      break;
  }
}

void LineProtocol::publish(Connection& conn, LineOutput& out, std::string_view rest, bool retain) {
  std::string_view channel;
  std::string_view payload;
  splitPublish(rest, channel, payload);
  if (channel.empty()) return error(conn, out, "missing channel");
  PublishRoute& route = broker_.route(channel);
  switch (route.status) {
    case ChannelStatus::kInvalid:
      return refuse(conn, out, channel, false, "invalid channel");
    case ChannelStatus::kHasWildcard:
      return refuse(conn, out, channel, false, "wildcard not allowed in PUB channel");
    case ChannelStatus::kValid:
      break;
  }
  if (!access_.mayPublish(conn, channel, route)) {
    ++broker_.metrics().protocolErrors;
    out.line(conn, "-ERR permission denied for publish to ", channel);
    return;
  }
  // RETAIN keeps the message before it is delivered and before any later
  // reply: a SUB on any thread after this client's next PONG finds it. Over
  // a limit it is not published either.
  if (retain) {
    // --cluster: the value must reach Redis, which the next PONG waits for.
    if (!broker_.retainAvailable()) return error(conn, out, "cluster unavailable");
    if (broker_.retain(route, payload) == RetainedStore::Outcome::kOverLimit) {
      return error(conn, out, "too many retained messages");
    }
    conn.setClusterNeed(broker_.clusterMark());
  }
  std::size_t delivered = broker_.deliver(route, payload);
  // A publish to one subscriber appends about what it read, which the read
  // budget bounds already; fan-out is what the fan-out budget is for.
  if (delivered > 1) conn.chargeFanout(delivered, route.msgPrefix.size() + payload.size() + 1);
}

// SUB and UNSUB are rejected whole when one pattern is invalid, so every
// pattern is checked before any takes effect.
LineProtocol::PatternCheck LineProtocol::checkPatterns(std::string_view rest,
                                                       std::string_view& bad) {
  std::string_view pattern;
  bool any = false;
  while (nextArgument(rest, pattern)) {
    any = true;
    if (!isValidPattern(pattern)) {
      bad = pattern;
      return PatternCheck::kInvalid;
    }
  }
  return any ? PatternCheck::kValid : PatternCheck::kNone;
}

void LineProtocol::refuse(Connection& conn, LineOutput& out, std::string_view name, bool pattern,
                          std::string_view text) {
  logRefusedName(conn, name, pattern);
  error(conn, out, text);
}

bool LineProtocol::admitsSubscribe(Connection& conn, LineOutput& out, std::string_view patterns) {
  if (!conn.authenticated && requiresAuth()) {
    error(conn, out, "authentication required");
    return false;
  }
  return checkSubscribe(conn, out, patterns);
}

bool LineProtocol::checkSubscribe(Connection& conn, LineOutput& out, std::string_view rest) {
  std::string_view bad;
  switch (checkPatterns(rest, bad)) {
    case PatternCheck::kNone:
      error(conn, out, "missing pattern");
      return false;
    case PatternCheck::kInvalid:
      refuse(conn, out, bad, true, "invalid pattern");
      return false;
    case PatternCheck::kValid:
      break;
  }
  std::string_view pattern;
  if (conn.permissions() != nullptr) {
    // The whole SUB is refused when one pattern is not allowed.
    std::string_view check = rest;
    while (nextArgument(check, pattern)) {
      if (access_.maySubscribe(conn, pattern)) continue;
      ++broker_.metrics().protocolErrors;
      out.line(conn, "-ERR permission denied for subscription to ", pattern);
      return false;
    }
  }
  // --max-subs counts the patterns not held yet, a duplicate inside the
  // command once; the whole SUB is refused when they would pass it.
  const auto& held = conn.patterns();
  fresh_.clear();
  while (nextArgument(rest, pattern)) {
    if (!held.contains(pattern)) fresh_.push_back(pattern);
  }
  std::sort(fresh_.begin(), fresh_.end());
  std::size_t adding = static_cast<std::size_t>(std::unique(fresh_.begin(), fresh_.end()) - fresh_.begin());
  fresh_.clear();
  if (held.size() + adding <= settings_.maxSubs) return true;
  error(conn, out, tooManySubs_);
  return false;
}

void LineProtocol::subscribe(Connection& conn, LineOutput& out, std::string_view rest, Session& session) {
  if (!checkSubscribe(conn, out, rest)) return;
  // Add one by one so duplicates inside the command count once.
  auto& held = conn.editPatterns();
  added_.clear();
  std::string_view pattern;
  while (nextArgument(rest, pattern)) {
    if (held.contains(pattern)) continue;
    added_.push_back(*held.emplace(pattern).first);
  }
  if (added_.empty()) return;
  {
    Broker::SubscriptionChange change(broker_);
    for (std::string_view p : added_) broker_.router().subscribe(&conn, p);
  }
  conn.setClusterNeed(broker_.clusterMark());
  // After the subscriptions took effect: a RETAIN racing this SUB on
  // another thread may then reach this connection twice (kept and
  // delivered), never not at all.
  sendRetained(conn, added_, session);
  added_.clear();
}

void LineProtocol::sendRetained(Connection& conn, std::span<const std::string_view> patterns, Session& session) {
  std::size_t delivered = 0;
  broker_.retained().forEachMatch(patterns, [&](std::string_view channel, std::string_view payload, std::uint8_t) {
    if (conn.deniesDelivery(channel)) return true;
    retainedPrefix_.assign("MSG ");
    retainedPrefix_ += channel;
    retainedPrefix_ += ' ';
    // A connection cut as a slow consumer takes nothing more.
    if (!session.deliver(conn, Delivery{channel, payload, retainedPrefix_})) return conn.open();
    ++delivered;
    return true;
  });
  broker_.metrics().messagesDelivered += delivered;
}

void LineProtocol::unsubscribe(Connection& conn, LineOutput& out, std::string_view rest) {
  std::string_view bad;
  switch (checkPatterns(rest, bad)) {
    case PatternCheck::kNone: return broker_.unsubscribeAll(conn);
    case PatternCheck::kInvalid: return refuse(conn, out, bad, true, "invalid pattern");
    case PatternCheck::kValid: break;
  }
  std::string_view pattern;
  while (nextArgument(rest, pattern)) broker_.unsubscribe(conn, pattern);
}

// AUTH <token> or AUTH <user> <password>; either failing is fatal.
void LineProtocol::authenticate(Connection& conn, LineOutput& out, std::string_view rest) {
  std::string_view first;
  std::string_view second;
  if (!nextArgument(rest, first)) return error(conn, out, "usage: AUTH <token>");
  // Without --users a second argument is ignored (revision 3: the token is
  // the first argument); with it, two arguments are a user and password.
  bool pair = nextArgument(rest, second) && access_.hasUsers();
  bool ok = !requiresAuth() ? true : pair ? access_.withPassword(conn, first, second) : access_.withToken(conn, first);
  if (ok) {
    conn.authenticated = true;
    out.line(conn, "+OK");
    return;
  }
  ++broker_.metrics().protocolErrors;
  out.fail(conn, CloseReason::kAuthFailed, "-ERR authentication failed");
}

}  // namespace linecast
