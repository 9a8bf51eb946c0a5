// MQTT over WebSocket (GET /mqtt): the HTTP session answered the upgrade;
// here the connection gets the WebSocket framing as a transport layer and
// an MQTT session over it. Every MQTT session lives on reactor thread 0
// (the session table, take-over and persistent sessions rely on it), so a
// connection another thread accepted moves there first: its socket, its
// transport, the output not yet written (the 101) and the input read after
// the request go through the hand-off that new connections take.
#include "protocols/ws/ws_stream_transport.h"
#include "server.h"
#include "util/log.h"

namespace linecast {

namespace {

// The most input the early frames may take while they are decoded: what
// one read may have brought after the request.
constexpr std::size_t kEarlyInputSlack = 128 * 1024;

}  // namespace

void Server::startMqttOverWebSocket(Connection& conn) {
  conn.becomesMqttOverWebSocket = false;
  if (conn.outputInFlight > 0) {
    // io_uring, plain socket: a send of an earlier response (a request
    // pipelined before the upgrade) still reads the output ring, which the
    // framing would no longer name as the wire. Browsers never do this.
    log(LogLevel::kInfo, "conn {} mqtt websocket upgrade behind a send in flight: closed", conn.id());
    return conn.abort(CloseReason::kProtocolError);
  }
  // The output holds the 101 (and nothing framed yet): it passes unframed.
  auto framing = std::make_unique<WsStreamTransport>(conn.releaseTransport(), conn.output().size());
  if (net_ == nullptr || index_ == 0) {
    WsStreamTransport& ws = *framing;
    conn.setTransport(std::move(framing));
    if (!ws.decodeEarlyInput(conn.input(), config_.maxLine + kEarlyInputSlack)) {
      return conn.abort(CloseReason::kIoError);
    }
    return runMqttOverWebSocket(conn);
  }
  // HttpProtocol refuses the upgrade off thread 0 under io_uring (a recv
  // in flight cannot follow the socket), so this is epoll.
  PendingConnection pending;
  pending.peer = conn.peer();
  pending.listener = conn.listener;
  pending.mqttOverWebSocket = true;
  framing->leaveThread();
  pending.transport = std::move(framing);
  for (auto span : conn.output().readableSpans()) pending.output.append(span.data(), span.size());
  for (auto span : conn.input().readableSpans()) pending.input.append(span.data(), span.size());
  reactor_.remove(conn.fd());
  pending.fd = conn.releaseFd();
  log(LogLevel::kDebug, "conn {} moves to thread 0 for MQTT over WebSocket", conn.id());
  // Forgotten here at the end of the turn without closing the socket, and
  // still counted in the process's open connections (destroy()).
  conn.abort(CloseReason::kMovedThread);
  net_->handOff(0, std::move(pending));
}

void Server::adoptMqttOverWebSocket(Connection& conn, PendingConnection& pending) {
  auto& ws = static_cast<WsStreamTransport&>(conn.transport());
  ws.joinThread(metrics_);
  conn.queue(std::string_view(pending.output));  // the 101: the transport counts it unframed
  std::size_t limit = config_.maxLine + kEarlyInputSlack + pending.input.size();
  if (!pending.input.empty()) {
    if (!conn.input().reserve(pending.input.size(), limit)) return conn.abort(CloseReason::kIoError);
    conn.input().append(pending.input);
  }
  if (!ws.decodeEarlyInput(conn.input(), limit)) return conn.abort(CloseReason::kIoError);
  runMqttOverWebSocket(conn);
}

void Server::runMqttOverWebSocket(Connection& conn) {
  Protocol* mqtt = nullptr;
  for (auto& protocol : protocols_) {
    if (protocol->name() == "mqtt") mqtt = protocol.get();
  }
  // HttpProtocol offers /mqtt only when MQTT is enabled, which makes one.
  if (mqtt == nullptr) return conn.abort(CloseReason::kProtocolError);
  switchSession(conn, mqtt->open(conn));
  if (!conn.input().empty()) {
    if (conn.fanoutTurn != turns_) {
      conn.fanoutTurn = turns_;
      conn.fanoutLeft = static_cast<std::int64_t>(conn.fanoutBudget);
    }
    conn.session().onInput(conn, scratch_, now_);
  }
  if (conn.open() && conn.transport().streamEnded() && !conn.inputWaiting) {
    conn.drain(CloseReason::kPeerClosed);
  }
}

}  // namespace linecast
