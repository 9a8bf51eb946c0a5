#include "protocols/http/http_protocol.h"

#include <fmt/format.h>

#include <optional>

#include "util/ascii.h"
#include "auth/base64.h"
#include "protocols/line/line_parser.h"  // forEachLine: a POST body is lines
#include "routing/channel.h"
#include "console/console_page.h"
#include "metrics_exposition.h"
#include "util/log.h"
#include "util/percent_decode.h"
#include "protocols/http/sse_session.h"
#include "protocols/line/line_protocol.h"
#include "protocols/refused_name.h"
#include "protocols/ws/ws_deflate_offer.h"
#include "protocols/ws/ws_handshake.h"
#include "protocols/ws/ws_session.h"

namespace linecast {
namespace {

// Bounds on what one request may make us hold besides its body.
constexpr std::size_t kMaxUrl = 8 * 1024;
constexpr std::size_t kMaxHeaderField = 256;
constexpr std::size_t kMaxHeaderValue = 8 * 1024;
constexpr std::uint32_t kMaxHeaderBytes = 32 * 1024;

enum class Route { kConsole, kPublish, kRetained, kMetrics, kHealthz, kStats, kWebSocket, kMqtt, kStream, kUnknown };

std::string_view pathOf(std::string_view url) { return url.substr(0, url.find('?')); }

// `mqtt`: MQTT is enabled, so /mqtt exists.
Route routeOf(std::string_view path, bool mqtt) {
  if (path == "/mqtt") return mqtt ? Route::kMqtt : Route::kUnknown;
  if (path == "/") return Route::kConsole;
  if (path.starts_with("/pub/")) return Route::kPublish;
  if (path.starts_with("/sub/")) return Route::kStream;
  if (path.starts_with("/retained/")) return Route::kRetained;
  if (path == "/metrics") return Route::kMetrics;
  if (path == "/healthz") return Route::kHealthz;
  if (path == "/stats") return Route::kStats;
  if (path == "/ws") return Route::kWebSocket;
  return Route::kUnknown;
}

// The headers a session keeps, by their lower-case names.
constexpr std::array<std::string_view, kHttpHeaders> kKeptHeaders = {
    "authorization", "expect", "upgrade", "connection", "sec-websocket-key",
    "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "origin",
};

int keptHeader(std::string_view field) {
  for (std::size_t i = 0; i < kKeptHeaders.size(); ++i) {
    if (equalsIgnoreCase(field, kKeptHeaders[i])) return static_cast<int>(i);
  }
  return -1;
}

// The value of `name` in the URL's query string, percent-decoded; nullopt
// when it is absent or badly encoded.
std::optional<std::string> queryParameter(std::string_view url, std::string_view name) {
  std::size_t question = url.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = url.substr(question + 1);
  while (!query.empty()) {
    std::size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    std::size_t eq = pair.find('=');
    if (pair.substr(0, eq) != name) continue;
    std::string value;
    if (eq == std::string_view::npos || !percentDecode(pair.substr(eq + 1), value)) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100: return "Continue";
    case 101: return "Switching Protocols";
    case 200: return "OK";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 426: return "Upgrade Required";
    case 431: return "Request Header Fields Too Large";
    case 503: return "Service Unavailable";
    case 507: return "Insufficient Storage";
    default: return "Error";
  }
}

std::string_view errorText(int status) {
  switch (status) {
    case 401: return "authorization required";
    case 404: return "not found";
    case 405: return "method not allowed";
    case 408: return "request timeout";
    case 411: return "Content-Length required";
    case 413: return "body too large";
    case 414: return "URI too long";
    case 431: return "headers too large";
    default: return "bad request";
  }
}

}  // namespace

// What the parser's callbacks need, reached through http_parser::data for
// the duration of one process() call.
struct HttpProtocol::Context {
  HttpProtocol& protocol;
  Connection& conn;
  HttpSession& session;
  double now;
};

HttpProtocol::Context& HttpProtocol::contextOf(http_parser* parser) {
  return *static_cast<Context*>(parser->data);
}

HttpProtocol::HttpProtocol(Broker& broker, LineProtocol& lines, HttpSettings settings)
    : broker_(broker),
      lines_(lines),
      settings_(std::move(settings)),
      access_(settings_.authToken, settings_.users, settings_.jwt, broker) {
  http_parser_set_max_header_size(kMaxHeaderBytes);
  http_parser_settings_init(&callbacks_);
  callbacks_.on_message_begin = onMessageBegin;
  callbacks_.on_url = onUrl;
  callbacks_.on_header_field = onHeaderField;
  callbacks_.on_header_value = onHeaderValue;
  callbacks_.on_headers_complete = onHeadersComplete;
  callbacks_.on_body = onBody;
  callbacks_.on_message_complete = onMessageComplete;
}

HttpSession::HttpSession(HttpProtocol& protocol) : parser{}, protocol_(protocol) {
  http_parser_init(&parser, HTTP_REQUEST);
}

void HttpSession::onInput(Connection& conn, std::span<char>, double now) {
  protocol_.process(conn, *this, now);
}

bool HttpSession::deliver(Connection&, const Delivery&) {
  return false;  // HTTP has no subscriptions: nothing routes here
}

void HttpSession::checkTimeouts(Connection& conn, double now) {
  protocol_.checkTimeouts(conn, now);
}

void HttpSession::refusePlaintext(Connection& conn) { protocol_.refusePlaintext(conn); }

void HttpProtocol::refusePlaintext(Connection& conn) {
  respond(conn, 403, "text/plain", "TLS required", true);
}

std::unique_ptr<Session> HttpProtocol::open(Connection&) {
  return std::make_unique<HttpSession>(*this);
}

void HttpProtocol::process(Connection& conn, HttpSession& session, double now) {
  Context context{*this, conn, session, now};
  session.parser.data = &context;
  RingBuffer& in = conn.input();
  if (session.held && !releaseHeld(conn, session)) {
    session.parser.data = nullptr;
    return;
  }
  std::size_t consumed = 0;
  for (auto span : in.readableSpans()) {
    if (span.empty() || !conn.open()) break;
    std::size_t parsed = http_parser_execute(&session.parser, &callbacks_, span.data(), span.size());
    consumed += parsed;
    if (!conn.open()) break;  // answered and closing: the rest is dropped
    // Paused after a request whose answer waits for Redis: what follows it
    // stays in the ring until then.
    if (HTTP_PARSER_ERRNO(&session.parser) == HPE_PAUSED) {
      session.parser.data = nullptr;
      in.consume(consumed);
      conn.clusterParked = true;
      conn.inputWaiting = true;
      return;
    }
    // http-parser stops after a request that asks to switch protocols; the
    // bytes after it belong to the new protocol (complete() upgraded the
    // connection) or to nobody (it answered and is closing).
    if (session.parser.upgrade) {
      session.parser.data = nullptr;
      return in.consume(consumed);
    }
    auto error = HTTP_PARSER_ERRNO(&session.parser);
    if (error != HPE_OK || parsed != span.size()) {
      int status = error == HPE_HEADER_OVERFLOW ? 431 : 400;
      respondError(conn, status, errorText(status), true);
      break;
    }
  }
  // http-parser copies what it keeps, so the ring can be emptied.
  if (conn.open()) in.clear();
  session.parser.data = nullptr;
}

void HttpProtocol::respondOnceStored(Connection& conn, HttpSession& session, int status,
                                     std::string_view contentType, std::string_view body, bool close) {
  conn.setClusterNeed(broker_.clusterMark());
  if (broker_.clusterConfirmed(conn.clusterNeed())) return respond(conn, status, contentType, body, close);
  session.held = HttpSession::HeldResponse{status, std::string(contentType), std::string(body), close};
  http_parser_pause(&session.parser, 1);
}

bool HttpProtocol::releaseHeld(Connection& conn, HttpSession& session) {
  if (!broker_.clusterConfirmed(conn.clusterNeed())) {
    conn.clusterParked = true;
    conn.inputWaiting = true;
    return false;
  }
  HttpSession::HeldResponse held = std::move(*session.held);
  session.held.reset();
  http_parser_pause(&session.parser, 0);
  respond(conn, held.status, held.contentType, held.body, held.close);
  return conn.open();
}

void HttpProtocol::checkTimeouts(Connection& conn, double now) {
  double limit = settings_.readTimeout;
  if (limit <= 0) return;
  if (conn.partialWaiting()) {
    if (conn.partialSeconds(now) >= limit) respondError(conn, 408, errorText(408), true);
  } else if (conn.idleSeconds(now) >= limit) {
    conn.drain(CloseReason::kIdleTimeout);  // an idle keep-alive connection
  }
}

int HttpProtocol::onMessageBegin(http_parser* parser) {
  Context& context = contextOf(parser);
  HttpSession& session = context.session;
  session.url.clear();
  session.headerField.clear();
  for (std::string& value : session.headers) value.clear();
  session.body.clear();
  session.kept = -1;
  session.lastWasValue = false;
  session.earlyStatus = 0;
  // A request must complete within --read-timeout, from its first byte.
  context.conn.notePartial(true, context.now);
  return 0;
}

int HttpProtocol::onUrl(http_parser* parser, const char* at, std::size_t length) {
  Context& context = contextOf(parser);
  if (context.session.url.size() + length > kMaxUrl) {
    context.protocol.respondError(context.conn, 414, errorText(414), true);
    return -1;
  }
  context.session.url.append(at, length);
  return 0;
}

// A field or a value may arrive in several pieces; a field after a value
// starts the next header.
int HttpProtocol::onHeaderField(http_parser* parser, const char* at, std::size_t length) {
  HttpSession& session = contextOf(parser).session;
  if (session.lastWasValue) {
    session.headerField.clear();
    session.kept = -1;
    session.lastWasValue = false;
  }
  if (session.headerField.size() + length <= kMaxHeaderField) session.headerField.append(at, length);
  return 0;
}

int HttpProtocol::onHeaderValue(http_parser* parser, const char* at, std::size_t length) {
  HttpSession& session = contextOf(parser).session;
  if (!session.lastWasValue) {
    session.lastWasValue = true;
    session.kept = keptHeader(session.headerField);
    // A repeated header joins the first (RFC 9110 5.3).
    if (session.kept >= 0 && !session.headers[session.kept].empty()) session.headers[session.kept] += ", ";
  }
  if (session.kept >= 0 && session.headers[session.kept].size() + length <= kMaxHeaderValue) {
    session.headers[session.kept].append(at, length);
  }
  return 0;
}

int HttpProtocol::onHeadersComplete(http_parser* parser) {
  Context& context = contextOf(parser);
  return context.protocol.headersComplete(context.conn, context.session);
}

int HttpProtocol::headersComplete(Connection& conn, HttpSession& session) {
  http_parser& parser = session.parser;
  std::string_view path = pathOf(session.url);
  Route route = routeOf(path, settings_.mqtt);
  auto method = static_cast<http_method>(parser.method);
  int status = 0;
  if (route == Route::kMqtt) {
    // MQTT's own CONNECT carries the credentials, as over TCP.
  } else if (route == Route::kWebSocket || route == Route::kStream) {
    // Browsers cannot set headers here: the token may be in the query. A
    // WebSocket may instead send AUTH as its first message.
    status = authorizeStream(conn, session, route == Route::kStream);
  } else if (route != Route::kHealthz && route != Route::kConsole && !authorize(conn, session)) {
    // The console page holds no data: its own connections authenticate.
    status = 401;  // before any other status, so nothing leaks to a stranger
  } else if (route == Route::kUnknown) {
    status = 404;
  } else if (route == Route::kPublish) {
    if (method != HTTP_POST) {
      status = 405;
    } else if ((parser.flags & F_CHUNKED) || !(parser.flags & F_CONTENTLENGTH)) {
      status = 411;
    } else if (parser.content_length > settings_.maxLine) {
      status = 413;
    }
  }
  // An upgrade's method is checkWsUpgrade's; a stream is only a GET; a
  // retained message may also be deleted.
  bool getOnly = route == Route::kStream;
  bool deletable = route == Route::kRetained && method == HTTP_DELETE;
  bool upgrade = route == Route::kWebSocket || route == Route::kMqtt;
  if (status == 0 && route != Route::kPublish && !upgrade && !deletable &&
      method != HTTP_GET && (getOnly || method != HTTP_HEAD)) {
    status = 405;
  }
  session.earlyStatus = status;
  // A body we will not read to its end (chunked, or too large) cannot be
  // skipped safely: answer now and close.
  if (status == 413 || (parser.flags & F_CHUNKED && status != 0)) {
    respondError(conn, status, errorText(status), true);
    return -1;
  }
  if (status == 0 && !session.header(HttpHeader::kExpect).empty() && parser.content_length > 0) {
    conn.queue(std::string_view("HTTP/1.1 100 Continue\r\n\r\n"));
  }
  return 0;
}

int HttpProtocol::onBody(http_parser* parser, const char* at, std::size_t length) {
  Context& context = contextOf(parser);
  HttpSession& session = context.session;
  if (session.earlyStatus != 0) return 0;  // answered from the headers: discard
  if (session.body.size() + length > context.protocol.settings_.maxLine) {
    context.protocol.respondError(context.conn, 413, errorText(413), true);
    return -1;
  }
  session.body.append(at, length);
  return 0;
}

int HttpProtocol::onMessageComplete(http_parser* parser) {
  Context& context = contextOf(parser);
  context.protocol.complete(context.conn, context.session);
  return context.conn.open() ? 0 : -1;
}

void HttpProtocol::complete(Connection& conn, HttpSession& session) {
  conn.clearPartial();
  // After a request that asked to switch protocols http-parser parses
  // nothing more: unless it becomes a WebSocket, the connection ends.
  bool close = !http_should_keep_alive(&session.parser) || session.parser.upgrade;
  if (session.earlyStatus != 0) {
    respondError(conn, session.earlyStatus, errorText(session.earlyStatus), close);
    return;
  }
  std::string_view path = pathOf(session.url);
  switch (routeOf(path, settings_.mqtt)) {
    case Route::kPublish:
      publish(conn, session, path.substr(5), close);
      break;
    case Route::kRetained:
      retained(conn, session, path.substr(10), close);
      break;
    case Route::kMetrics:
      respond(conn, 200, "text/plain; version=0.0.4",
              renderPrometheus(broker_.metricsTotals()), close);
      break;
    case Route::kHealthz:
      respond(conn, 200, "text/plain", "ok\n", close);
      break;
    case Route::kConsole:
      respond(conn, 200, "text/html; charset=utf-8", consolePage(), close);
      break;
    case Route::kStats:
      respond(conn, 200, "application/json",
              renderStatsJson(broker_.metricsTotals()), close);
      break;
    case Route::kWebSocket:
      upgradeToWebSocket(conn, session);
      break;
    case Route::kMqtt:
      upgradeToMqtt(conn, session);
      break;
    case Route::kStream:
      startEventStream(conn, session, close);
      break;
    case Route::kUnknown:
      respondError(conn, 404, errorText(404), close);
      break;
  }
  // Keep-alive connections keep no large body block between requests.
  if (session.body.capacity() > 64 * 1024) std::string().swap(session.body);
}

// The channel of /pub/<channel> or /retained/<channel>, percent-decoded and
// checked as a PUB channel; false when it was refused (answered).
bool HttpProtocol::channelOf(Connection& conn, std::string_view encoded, std::string& channel, bool close) {
  if (!percentDecode(encoded, channel)) {
    respondError(conn, 400, "invalid percent-encoding in channel", close);
    return false;
  }
  auto check = checkPublishChannel(channel);
  if (check == ChannelStatus::kValid) return true;
  logRefusedName(conn, channel, false);
  respondError(conn, 400, check == ChannelStatus::kInvalid ? "invalid channel" : "wildcard not allowed in PUB channel",
               close);
  return false;
}

void HttpProtocol::publish(Connection& conn, HttpSession& session, std::string_view encoded, bool close) {
  std::string channel;
  if (!channelOf(conn, encoded, channel, close)) return;
  if (conn.permissions() != nullptr && !access_.mayPublish(conn, channel)) {
    return respondError(conn, 403, "permission denied", close);
  }
  // ?retain=1 keeps the body's last non-empty line, before any line is
  // published: over a limit, nothing is.
  auto retain = queryParameter(session.url, "retain");
  if (retain && *retain != "1" && *retain != "true" && *retain != "0" && *retain != "false") {
    return respondError(conn, 400, "retain must be 1, true, 0 or false", close);
  }
  bool retainedOne = false;
  if (retain && (*retain == "1" || *retain == "true")) {
    if (!broker_.retainAvailable()) return respondError(conn, 503, "cluster unavailable", close);
    std::string_view last;
    forEachLine(session.body, [&](std::string_view line) {
      if (!line.empty()) last = line;
    });
    if (!last.empty() && broker_.retain(channel, last) == RetainedStore::Outcome::kOverLimit) {
      return respondError(conn, 507, "too many retained messages", close);
    }
    retainedOne = !last.empty();
  }
  // "published" counts messages (lines), "delivered" the subscribers
  // they reached, as a RESP PUBLISH counts them.
  std::size_t published = 0;
  std::size_t delivered = 0;
  forEachLine(session.body, [&](std::string_view line) {
    if (line.empty()) return;
    delivered += broker_.publish(channel, line);
    ++published;
  });
  std::string answer = fmt::format("{{\"published\":{},\"delivered\":{}}}\n", published, delivered);
  if (retainedOne) return respondOnceStored(conn, session, 200, "application/json", answer, close);
  respond(conn, 200, "application/json", answer, close);
}

// GET (and HEAD) /retained/<channel> reads it, with subscribe permission
// on the channel (and not under deny_subscribe); DELETE clears it, with
// publish permission, and publishes nothing.
void HttpProtocol::retained(Connection& conn, HttpSession& session, std::string_view encoded, bool close) {
  std::string channel;
  if (!channelOf(conn, encoded, channel, close)) return;
  bool erase = session.parser.method == HTTP_DELETE;
  if (conn.permissions() != nullptr) {
    bool allowed = erase ? access_.mayPublish(conn, channel)
                         : access_.maySubscribe(conn, channel) && !conn.deniesDelivery(channel);
    if (!allowed) return respondError(conn, 403, "permission denied", close);
  }
  if (erase) {
    if (!broker_.retainAvailable()) return respondError(conn, 503, "cluster unavailable", close);
    broker_.clearRetained(channel);
    return respondOnceStored(conn, session, 204, {}, {}, close);
  }
  auto payload = broker_.retained().find(channel);
  if (!payload) return respondError(conn, 404, "no retained message", close);
  respond(conn, 200, "application/octet-stream", *payload, close);
}

// Each request authenticates on its own: `Authorization: Bearer <token>`
// or `Basic <user:password>`, or nothing (the anonymous user, if any).
bool HttpProtocol::authorize(Connection& conn, const HttpSession& session) {
  if (!access_.required()) return true;
  std::string_view value = session.header(HttpHeader::kAuthorization);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) {
    // A client certificate's user (mutual TLS), else the anonymous user's
    // permissions, or none.
    if (access_.withCertificate(conn, conn.transport().peerName())) return true;
    access_.admit(conn);
    return conn.authenticated;
  }
  std::size_t space = value.find(' ');
  std::string_view scheme = value.substr(0, space);
  std::string_view credentials = space == std::string_view::npos ? std::string_view() : value.substr(space + 1);
  while (!credentials.empty() && credentials.front() == ' ') credentials.remove_prefix(1);
  if (equalsIgnoreCase(scheme, "bearer")) return access_.withToken(conn, credentials);
  if (equalsIgnoreCase(scheme, "basic")) {
    auto decoded = base64Decode(credentials);
    std::size_t colon = decoded ? decoded->find(':') : std::string::npos;
    if (colon != std::string::npos) {
      return access_.withPassword(conn, std::string_view(*decoded).substr(0, colon),
                                  std::string_view(*decoded).substr(colon + 1));
    }
  }
  access_.countFailure();
  return false;
}

void HttpProtocol::respondError(Connection& conn, int status, std::string_view message, bool close,
                                std::string_view header) {
  respond(conn, status, "application/json", fmt::format("{{\"error\":\"{}\"}}\n", message), close, header);
}

void HttpProtocol::respond(Connection& conn, int status, std::string_view contentType,
                           std::string_view body, bool close, std::string_view header) {
  broker_.metrics().countHttpStatus(status);
  bool head = static_cast<HttpSession&>(conn.session()).parser.method == HTTP_HEAD;
  // A 204 has no content, and says nothing of its length (RFC 9110 8.6).
  std::string framing = status == 204 ? std::string()
                                      : fmt::format("Content-Type: {}\r\nContent-Length: {}\r\n", contentType, body.size());
  std::string response = fmt::format(
      "HTTP/1.1 {} {}\r\n{}{}{}{}{}\r\n", status, reasonPhrase(status), framing,
      status == 401 ? "WWW-Authenticate: Bearer\r\n" : "", header, header.empty() ? "" : "\r\n",
      close ? "Connection: close\r\n" : "");
  if (!head) response += body;
  conn.queue(std::string_view(response));
  if (close) conn.drain(CloseReason::kHttpClose);
}

int HttpProtocol::authorizeStream(Connection& conn, const HttpSession& session, bool required) {
  if (!access_.required()) return 0;
  if (!session.header(HttpHeader::kAuthorization).empty()) return authorize(conn, session) ? 0 : 401;
  if (auto token = queryParameter(session.url, "token")) return access_.withToken(conn, *token) ? 0 : 401;
  // No credentials: a client certificate's user, the anonymous user, or
  // (a WebSocket) AUTH to come.
  bool admitted = authorize(conn, session);
  return admitted || !required ? 0 : 401;
}

WsUpgradeVerdict HttpProtocol::checkUpgrade(const HttpSession& session) const {
  WsUpgradeRequest request{
      http_method_str(static_cast<http_method>(session.parser.method)),
      session.header(HttpHeader::kUpgrade),
      session.header(HttpHeader::kConnection),
      session.header(HttpHeader::kWsVersion),
      session.header(HttpHeader::kWsKey),
      session.header(HttpHeader::kOrigin),
  };
  return checkWsUpgrade(request, settings_.wsAllowedOrigins);
}

void HttpProtocol::upgradeToWebSocket(Connection& conn, HttpSession& session) {
  WsUpgradeVerdict verdict = checkUpgrade(session);
  if (verdict.status != 101) {
    log(LogLevel::kDebug, "conn {} websocket upgrade refused: {}", conn.id(), verdict.reason);
    return respondError(conn, verdict.status, verdict.reason, true, verdict.header);
  }
  broker_.metrics().countHttpStatus(101);
  // permessage-deflate when the client offers it acceptably, else none.
  auto deflate = negotiateWsDeflate(session.header(HttpHeader::kWsExtensions));
  conn.queue(std::string_view(wsUpgradeResponse(verdict.accept, {}, deflate ? deflate->response : "")));
  auto ws = std::make_unique<WsSession>(lines_, broker_.metrics(), settings_.maxLine,
                                        deflate ? &deflate->params : nullptr);
  conn.setMaxPending(ws->maxPending());
  conn.upgradeSession(std::move(ws));
}

void HttpProtocol::upgradeToMqtt(Connection& conn, HttpSession& session) {
  WsUpgradeVerdict verdict = checkUpgrade(session);
  if (verdict.status != 101) {
    log(LogLevel::kDebug, "conn {} mqtt websocket upgrade refused: {}", conn.id(), verdict.reason);
    return respondError(conn, verdict.status, verdict.reason, true, verdict.header);
  }
  // MQTT 3.1.1 section 6: the server selects "mqtt". MQTT 3.1's
  // "mqttv3.1" is not offered: its CONNECT (MQIsdp, level 3) is refused.
  static constexpr std::string_view kSubprotocols[] = {"mqtt"};
  std::string_view subprotocol = selectWsSubprotocol(session.header(HttpHeader::kWsProtocol), kSubprotocols);
  if (subprotocol.empty()) return respondError(conn, 400, "subprotocol mqtt required", true);
  broker_.metrics().countHttpStatus(101);
  // No permessage-deflate: the frames are the transport's, not messages.
  conn.queue(std::string_view(wsUpgradeResponse(verdict.accept, subprotocol)));
  conn.becomesMqttOverWebSocket = true;
}

// The patterns of /sub/<p1>,<p2>: split at literal commas, then each
// percent-decoded (so %2C is a comma inside a pattern), then subscribed
// through the line protocol's SUB, which checks them, the permissions and
// --max-subs, all or nothing. SUB's checks come first, so a refusal is an
// HTTP error; then the head, then SUB itself, whose retained messages
// (framed by the stream's session) follow the head.
void HttpProtocol::startEventStream(Connection& conn, HttpSession& session, bool close) {
  std::string_view list = pathOf(session.url).substr(5);
  std::string patterns;
  std::string pattern;
  while (true) {
    std::size_t comma = list.find(',');
    if (!percentDecode(list.substr(0, comma), pattern) || !isValidPattern(pattern)) {
      return respondError(conn, 400, "invalid pattern", close);
    }
    patterns += ' ';
    patterns += pattern;
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  // The line protocol's answer to the SUB, if any, is its refusal.
  struct Refusal final : LineOutput {
    using LineOutput::line;
    std::string text;
    bool line(Connection&, std::string_view a, std::string_view b, std::string_view c) override {
      if (text.empty()) text = fmt::format("{}{}{}", a, b, c);
      return true;
    }
    void fail(Connection&, CloseReason, std::string_view t) override { text = t; }
    void close(Connection&, CloseReason) override {}
  } refusal;
  if (!lines_.admitsSubscribe(conn, refusal, patterns)) {
    std::string_view text = std::string_view(refusal.text).substr(refusal.text.starts_with("-ERR ") ? 5 : 0);
    return respondError(conn, text.starts_with("permission denied") ? 403 : 400, text, close);
  }
  broker_.metrics().countHttpStatus(200);
  conn.queue(std::string_view(
      "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\n"
      "X-Accel-Buffering: no\r\nConnection: close\r\n\r\n"));
  auto stream = std::make_unique<SseSession>(settings_.sseKeepalive);
  // Nothing happened since the checks (this thread, this call): it takes effect.
  lines_.subscribeFor(conn, refusal, patterns, *stream);
  conn.upgradeSession(std::move(stream));
}

}  // namespace linecast
