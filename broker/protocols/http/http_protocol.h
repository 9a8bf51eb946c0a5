#pragma once

#include "protocols/access_control.h"

#include <http_parser.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "net/connection.h"
#include "protocols/http/http_session.h"
#include "protocols/protocol.h"
#include "protocols/ws/ws_handshake.h"
#include "routing/broker.h"

namespace linecast {

struct HttpSettings {
  std::size_t maxLine = 1024 * 1024;  // the largest body
  std::string authToken;              // empty: no Authorization needed
  double readTimeout = 0;             // a partial request, and an idle keep-alive
  std::shared_ptr<UserDirectoryStore> users = nullptr;  // --users; null: none
  std::shared_ptr<JwtKeyStore> jwt = nullptr;  // --jwt-secret-file, --jwt-public-key; null: none
  std::vector<std::string> wsAllowedOrigins = {};  // --ws-allowed-origins; empty: any
  double sseKeepalive = 15;  // --sse-keepalive: seconds of silence before a comment
  bool mqtt = false;         // --mqtt-port is set: GET /mqtt upgrades to MQTT over WebSocket
};

class LineProtocol;

// HTTP/1.1 on --http-port (docs/PROTOCOL.md, "HTTP API", "WebSocket,
// Server-Sent Events, console page"): POST /pub/<channel>, GET and DELETE
// /retained/<channel>, GET /metrics, /healthz, /stats; GET /ws, which upgrades to the line protocol over
// WebSocket (run by `lines`, the thread's LineProtocol), and GET
// /sub/<patterns>, which becomes an event stream. Served by the same
// reactor as the line protocol: parse what arrived, answer each complete
// request into the connection's output ring, keep the connection alive
// unless told not to. It has a port of its own, so it claims every first
// byte.
class HttpProtocol final : public Protocol {
 public:
  HttpProtocol(Broker& broker, LineProtocol& lines, HttpSettings settings);

  std::string_view name() const override { return "http"; }
  bool claims(char) const override { return true; }
  std::unique_ptr<Session> open(Connection& conn) override;

  void process(Connection& conn, HttpSession& session, double now);
  // A request that did not complete within --read-timeout gets 408; a
  // keep-alive connection idle that long is closed.
  void checkTimeouts(Connection& conn, double now);
  // A plaintext connection under --tls-required: 403 "TLS required", closed.
  void refusePlaintext(Connection& conn);

 private:
  struct Context;
  static Context& contextOf(http_parser* parser);
  static int onMessageBegin(http_parser* parser);
  static int onUrl(http_parser* parser, const char* at, std::size_t length);
  static int onHeaderField(http_parser* parser, const char* at, std::size_t length);
  static int onHeaderValue(http_parser* parser, const char* at, std::size_t length);
  static int onHeadersComplete(http_parser* parser);
  static int onBody(http_parser* parser, const char* at, std::size_t length);
  static int onMessageComplete(http_parser* parser);

  int headersComplete(Connection& conn, HttpSession& session);
  void complete(Connection& conn, HttpSession& session);
  bool channelOf(Connection& conn, std::string_view encoded, std::string& channel, bool close);
  // POST /pub/<channel>[?retain=1]
  void publish(Connection& conn, HttpSession& session, std::string_view encoded, bool close);
  // GET, HEAD, DELETE /retained/<channel>
  void retained(Connection& conn, HttpSession& session, std::string_view encoded, bool close);
  // `header`: one more header line (without its CRLF), or empty.
  void respond(Connection& conn, int status, std::string_view contentType, std::string_view body,
               bool close, std::string_view header = {});
  void respondError(Connection& conn, int status, std::string_view message, bool close,
                    std::string_view header = {});
  // The answer to a request that changed a retained message: with
  // --cluster, held until Redis stored it (HttpSession::held).
  void respondOnceStored(Connection& conn, HttpSession& session, int status, std::string_view contentType,
                         std::string_view body, bool close);
  // The held answer, if Redis stored its value meanwhile; false while it
  // still waits (the connection parked again) or when it closed.
  bool releaseHeld(Connection& conn, HttpSession& session);
  bool authorize(Connection& conn, const HttpSession& session);
  // The credentials of a /ws or /sub/ request: the Authorization header or
  // the `token` query parameter. 401 when given and wrong, or when none
  // is given and `required`; else 0.
  int authorizeStream(Connection& conn, const HttpSession& session, bool required);
  WsUpgradeVerdict checkUpgrade(const HttpSession& session) const;
  void upgradeToWebSocket(Connection& conn, HttpSession& session);
  // GET /mqtt: the 101 with subprotocol mqtt; the Server then stacks the
  // framing on the transport and hands the connection to MQTT.
  void upgradeToMqtt(Connection& conn, HttpSession& session);
  void startEventStream(Connection& conn, HttpSession& session, bool close);

  Broker& broker_;
  LineProtocol& lines_;
  HttpSettings settings_;
  AccessControl access_;
  http_parser_settings callbacks_{};
};

}  // namespace linecast
