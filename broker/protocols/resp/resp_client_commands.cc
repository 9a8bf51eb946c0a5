// CLIENT LIST, CLIENT INFO and CLIENT KILL as Redis 7.0.15 parses and
// answers them (its networking.c, clientCommand), over every connection of
// every protocol and thread: the ClientDirectory asks each thread for its
// own connections (docs/PROTOCOL.md, "RESP").

#include "protocols/resp/resp_protocol.h"

#include <climits>

#include "protocols/resp/resp_parser.h"
#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"
#include "util/ascii.h"

namespace linecast {

void RespProtocol::verbatim(Connection& conn, std::string_view text) {
  if (respSession(conn).version == RespVersion::k3) {
    conn.queueReply('=', RespDecimal(static_cast<long long>(text.size() + 4)).view(), std::string_view("\r\ntxt:"),
                    text, kCrlf);
  } else {
    respBulk(conn, text);
  }
}

void RespProtocol::clientList(Connection& conn, std::span<const std::string_view> argv) {
  ClientFilter filter;
  if (argv.size() == 4 && equalsIgnoreCase(argv[2], "type")) {
    if (!parseClientType(argv[3], filter.type)) {
      text_.assign("Unknown client type '").append(argv[3].substr(0, 128)).append("'");
      respSanitize(text_);
      return error(conn, text_);
    }
  } else if (argv.size() > 3 && equalsIgnoreCase(argv[2], "id")) {
    for (std::string_view word : argv.subspan(3)) {
      long long id;
      if (!parseRedisInteger(word, id)) return error(conn, "Invalid client ID");
      // No connection has a negative id or 0: it matches nothing.
      filter.ids.push_back(id > 0 ? static_cast<std::uint64_t>(id) : ~std::uint64_t{0});
    }
  } else if (argv.size() != 2) {
    return error(conn, "syntax error");
  }
  verbatim(conn, clients_.list(filter));
}

void RespProtocol::clientInfo(Connection& conn) { verbatim(conn, clients_.describe(conn)); }

void RespProtocol::clientKill(Connection& conn, std::span<const std::string_view> argv) {
  ClientFilter filter;
  bool oldForm = argv.size() == 3;  // CLIENT KILL <ip:port>: may kill itself
  bool skipMe = !oldForm;
  if (oldForm) {
    filter.addr.assign(argv[2]);
  } else {
    for (std::size_t i = 2; i < argv.size(); i += 2) {
      std::string_view option = argv[i];
      if (i + 1 >= argv.size()) return error(conn, "syntax error");
      std::string_view value = argv[i + 1];
      if (equalsIgnoreCase(option, "id")) {
        long long id;
        if (!parseRedisInteger(value, id) || id < 1 || id > LONG_MAX) {
          return error(conn, "client-id should be greater than 0");
        }
        filter.ids.assign(1, static_cast<std::uint64_t>(id));
      } else if (equalsIgnoreCase(option, "type")) {
        if (!parseClientType(value, filter.type)) {
          text_.assign("Unknown client type '").append(value.substr(0, 128)).append("'");
          respSanitize(text_);
          return error(conn, text_);
        }
      } else if (equalsIgnoreCase(option, "addr")) {
        filter.addr.assign(value);
      } else if (equalsIgnoreCase(option, "laddr")) {
        filter.laddr.assign(value);
      } else if (equalsIgnoreCase(option, "user")) {
        // "default" always exists; the others are --users's.
        auto users = settings_.users != nullptr ? settings_.users->current() : nullptr;
        if (value != "default" && (users == nullptr || users->find(value) == nullptr)) {
          text_.assign("No such user '").append(value.substr(0, 128)).append("'");
          respSanitize(text_);
          return error(conn, text_);
        }
        filter.user.assign(value);
        filter.userSet = true;
      } else if (equalsIgnoreCase(option, "skipme")) {
        if (equalsIgnoreCase(value, "yes")) {
          skipMe = true;
        } else if (equalsIgnoreCase(value, "no")) {
          skipMe = false;
        } else {
          return error(conn, "syntax error");
        }
      } else {
        return error(conn, "syntax error");
      }
    }
  }
  if (skipMe) filter.skip = conn.id();
  bool killSelf = false;
  std::size_t killed = clients_.kill(filter, conn.id(), killSelf);
  if (!oldForm) {
    respInteger(conn, static_cast<long long>(killed));
  } else if (killed == 0) {
    error(conn, "No such client");
  } else {
    respSimple(conn, "OK");
  }
  // As Redis: the reply goes out, then the connection closes.
  if (killSelf) conn.drain(CloseReason::kKilled);
}

}  // namespace linecast
