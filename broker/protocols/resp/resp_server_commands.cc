// The server-side commands Redis tools send that have a fixed answer here
// (docs/PROTOCOL.md, "Redis clients, revision 4 additions"): WAIT (no
// replicas), CONFIG GET of the two limits linecast shares with Redis, a
// CONFIG SET that changes nothing, CLIENT ID / NO-EVICT / SETINFO, and
// INFO's server, clients and stats sections.

#include "protocols/resp/resp_protocol.h"

#include <unistd.h>

#include <string>

#include <fmt/format.h>

#include "protocols/resp/resp_parser.h"
#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"
#include "routing/glob_match.h"
#include "util/ascii.h"
#include "version.h"

namespace linecast {

void RespProtocol::wait(Connection& conn, std::span<const std::string_view> argv) {
  long long replicas;
  long long timeout;
  if (!parseRedisInteger(argv[1], replicas)) return error(conn, "value is not an integer or out of range");
  if (!parseRedisInteger(argv[2], timeout)) return error(conn, "timeout is not an integer or out of range");
  if (timeout < 0) return error(conn, "timeout is negative");
  // There are no replicas to wait for: none acknowledged, at once (Redis
  // would block until the timeout when asked for more than it has).
  respInteger(conn, 0);
}

void RespProtocol::configGet(Connection& conn, std::span<const std::string_view> patterns) {
  // linecast has one hard limit per connection (--max-outbuf) and no soft
  // limit, whatever the class of client.
  std::string outputLimit;
  for (std::string_view kind : {"normal", "slave", "pubsub"}) {
    if (!outputLimit.empty()) outputLimit += ' ';
    outputLimit += std::string(kind) + ' ' + std::to_string(settings_.maxOutbuf) + " 0 0";
  }
  const std::pair<std::string_view, std::string> parameters[] = {
      {"maxclients", std::to_string(settings_.maxClients)},
      {"client-output-buffer-limit", outputLimit},
  };
  // Redis matches without regard to case, and names a parameter asked for
  // without a glob as the first request spelled it.
  std::string_view names[std::size(parameters)] = {};
  std::size_t count = 0;
  for (std::size_t i = 0; i < std::size(parameters); ++i) {
    for (std::string_view pattern : patterns) {
      bool glob = pattern.find_first_of("*?[\\") != std::string_view::npos;
      std::string lower(pattern);
      for (char& c : lower) c = asciiLower(c);
      if (!glob && lower == parameters[i].first) {
        names[i] = pattern;
        break;
      }
      if (glob && names[i].empty() && globMatch(lower, parameters[i].first)) names[i] = parameters[i].first;
    }
    if (!names[i].empty()) ++count;
  }
  // A map of name to value: RESP3's map, RESP2's flat array.
  if (respSession(conn).version == RespVersion::k3) {
    conn.queueReply('%', RespDecimal(static_cast<long long>(count)).view(), kCrlf);
  } else {
    conn.queueReply('*', RespDecimal(static_cast<long long>(count * 2)).view(), kCrlf);
  }
  for (std::size_t i = 0; i < std::size(parameters); ++i) {
    if (names[i].empty()) continue;
    respBulk(conn, names[i]);
    respBulk(conn, parameters[i].second);
  }
}

void RespProtocol::configSet(Connection& conn, std::string_view name) {
  // Nothing can be changed at run time: every name is refused, with the
  // text Redis gives for an unknown one.
  text_.assign("Unknown option or number of arguments for CONFIG SET - '");
  text_.append(name.substr(0, 128));
  text_.append("'");
  respSanitize(text_);
  error(conn, text_);
}

void RespProtocol::clientNoEvict(Connection& conn, std::string_view mode) {
  // Nothing is evicted here whatever the answer (--max-outbuf cuts slow
  // consumers, which no-evict does not exempt in Redis either).
  bool on = equalsIgnoreCase(mode, "on");
  if (!on && !equalsIgnoreCase(mode, "off")) return error(conn, "syntax error");
  respSession(conn).noEvict = on;  // shown in CLIENT LIST's flags
  respSimple(conn, "OK");
}

void RespProtocol::clientReply(Connection& conn, std::string_view mode) {
  RespSession& session = respSession(conn);
  if (equalsIgnoreCase(mode, "on")) {
    session.repliesOff = false;
    conn.repliesOff = false;
    respSimple(conn, "OK");
  } else if (equalsIgnoreCase(mode, "off")) {
    session.repliesOff = true;  // no reply, as in Redis
    conn.repliesOff = true;     // and none for what EXEC runs after it
  } else if (equalsIgnoreCase(mode, "skip")) {
    if (!session.repliesOff) session.skipNextReply = true;  // no reply either
  } else {
    error(conn, "syntax error");
  }
}

void RespProtocol::clientSetInfo(Connection& conn, std::string_view attribute, std::string_view value) {
  // Redis 7.2's rules: LIB-NAME or LIB-VER, printable ASCII without spaces.
  bool name = equalsIgnoreCase(attribute, "lib-name");
  if (!name && !equalsIgnoreCase(attribute, "lib-ver")) {
    text_.assign("Unrecognized option '");
    text_.append(attribute.substr(0, 128));
    text_.append("'");
    respSanitize(text_);
    return error(conn, text_);
  }
  for (char c : value) {
    if (c < '!' || c > '~') {
      return error(conn, name ? "lib-name cannot contain spaces, newlines or special characters."
                              : "lib-ver cannot contain spaces, newlines or special characters.");
    }
  }
  RespSession& session = respSession(conn);
  (name ? session.libName : session.libVersion).assign(value);
  respSimple(conn, "OK");
}

void RespProtocol::info(Connection& conn, std::span<const std::string_view> sections) {
  // The sections linecast fills (docs/PROTOCOL.md): no argument, "default",
  // "all" and "everything" mean all three; any other name is empty, as an
  // unknown section is in Redis.
  bool want[3] = {sections.empty(), sections.empty(), sections.empty()};
  constexpr std::string_view kNames[3] = {"server", "clients", "stats"};
  for (std::string_view section : sections) {
    bool every = equalsIgnoreCase(section, "default") || equalsIgnoreCase(section, "all") ||
                 equalsIgnoreCase(section, "everything");
    for (std::size_t i = 0; i < 3; ++i) want[i] = want[i] || every || equalsIgnoreCase(section, kNames[i]);
  }
  MetricsTotals totals = broker_.metricsTotals();
  std::string text;
  auto section = [&](std::string_view title) {
    if (!text.empty()) text += "\r\n";
    text += "# ";
    text += title;
    text += "\r\n";
  };
  if (want[0]) {
    section("Server");
    text += fmt::format("redis_version:7.0.15\r\nlinecast_version:{}\r\nredis_mode:standalone\r\n"
                        "arch_bits:{}\r\nprocess_id:{}\r\n",
                        kVersion, sizeof(void*) * 8, ::getpid());
  }
  if (want[1]) {
    section("Clients");
    text += fmt::format("connected_clients:{}\r\nmaxclients:{}\r\nblocked_clients:0\r\n", totals.connections,
                        settings_.maxClients);
  }
  if (want[2]) {
    PubsubCensus census = broker_.censusAll();
    section("Stats");
    text += fmt::format("total_connections_received:{}\r\nrejected_connections:{}\r\n"
                        "pubsub_channels:{}\r\npubsub_patterns:{}\r\npubsubshard_channels:{}\r\n",
                        totals.connectionsTotal, totals.connectionsRejected, census.channels.size(),
                        census.patterns.size(), census.shardChannels.size());
  }
  verbatim(conn, text);  // RESP3: a verbatim string of format "txt", as Redis sends INFO
}

}  // namespace linecast
