#pragma once

#include <http_parser.h>

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "routing/broker.h"
#include "net/connection.h"

namespace linecast {

struct HttpSettings {
  std::size_t maxLine = 1024 * 1024;  // the largest body
  std::string authToken;              // empty: no Authorization needed
};

// The state of one HTTP connection between reads: Node's http-parser (Debian
// libhttp-parser) is resumable, so a request split at any byte is parsed as
// it arrives; we keep only the URL, the Authorization value and the body,
// each bounded.
struct HttpSession {
  http_parser parser;
  std::string url;
  std::string headerField;
  std::string authorization;
  std::string body;
  bool inAuthorization = false;
  bool lastWasValue = false;
  bool hasExpect = false;
  int earlyStatus = 0;  // a status decided from the headers alone
};

// HTTP/1.1 on --http-port (docs/PROTOCOL.md, "HTTP API"): POST /pub/<channel>,
// GET /metrics, /healthz, /stats. Served by the same reactor as the line
// protocol: parse what arrived, answer each complete request into the
// connection's output ring, keep the connection alive unless told not to.
class HttpProtocol {
 public:
  HttpProtocol(Broker& broker, HttpSettings settings);

  void process(Connection& conn, double now);
  // A request that did not complete within --read-timeout.
  void timeout(Connection& conn);

  static std::unique_ptr<HttpSession> newSession();

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
  void respond(Connection& conn, int status, std::string_view contentType, std::string_view body,
               bool close);
  void respondError(Connection& conn, int status, std::string_view message, bool close);
  bool authorized(const HttpSession& session) const;

  Broker& broker_;
  HttpSettings settings_;
  http_parser_settings callbacks_{};
};

}  // namespace linecast
