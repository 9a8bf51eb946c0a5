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
  if (net_ != nullptr && index_ != 0) {
    if (!uring_) return moveToFirstThread(conn);
    // The kernel still reads (a multishot recv) and may still be sending:
    // stop the reading, let the 101 go, and move once nothing of the
    // connection's is in the kernel (moveWaitingConnections). What arrives
    // meanwhile collects in the input and goes along.
    conn.movingToFirstThread = true;
    uringPauseRecv(conn);
    movingToFirstThread_.push_back(conn.id());
    return;
  }
  if (conn.outputInFlight() > 0) {
    // io_uring, plain socket: a send of an earlier response (a request
    // pipelined before the upgrade) still reads the output ring, which the
    // framing would no longer name as the wire. Browsers never do this.
    log(LogLevel::kInfo, "conn {} mqtt websocket upgrade behind a send in flight: closed", conn.id());
    return conn.abort(CloseReason::kProtocolError);
  }
  // The output holds the 101 (and nothing framed yet): it passes unframed.
  auto framing = std::make_unique<WsStreamTransport>(conn.releaseTransport(), conn.output().size());
  WsStreamTransport& ws = *framing;
  conn.setTransport(std::move(framing));
  if (!ws.decodeEarlyInput(conn.input(), config_.maxLine + kEarlyInputSlack)) {
    return conn.abort(CloseReason::kIoError);
  }
  runMqttOverWebSocket(conn);
}

void Server::moveWaitingConnections() {
  std::size_t kept = 0;
  for (std::uint64_t id : movingToFirstThread_) {
    Connection* conn = find(id);
    if (conn == nullptr || !conn->open()) continue;  // it ended meanwhile (EOF, error)
    if (!uringIdle(*conn) || !conn->output().empty() || conn->transport().pendingWire()) {
      movingToFirstThread_[kept++] = id;
      continue;
    }
    moveToFirstThread(*conn);
  }
  movingToFirstThread_.resize(kept);
}

void Server::moveToFirstThread(Connection& conn) {
  PendingConnection pending;
  pending.peer = conn.peerAddress();
  pending.listener = conn.listener;
  pending.mqttOverWebSocket = true;
  // Under epoll the output still holds the 101, which passes unframed;
  // under io_uring it was sent here and the output is empty.
  auto framing = std::make_unique<WsStreamTransport>(conn.releaseTransport(), conn.output().size());
  framing->leaveThread();
  pending.transport = std::move(framing);
  for (auto span : conn.output().readableSpans()) pending.output.append(span.data(), span.size());
  for (auto span : conn.input().readableSpans()) pending.input.append(span.data(), span.size());
  if (uring_) {
    uringDetach(conn);  // nothing is in the kernel any more
  } else {
    reactor_.remove(conn.fd());
  }
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
  // epoll: the 101, which the transport counts as unframed.
  if (!pending.output.empty()) conn.queue(std::string_view(pending.output));
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
    if (conn.fanoutTurn != static_cast<std::uint32_t>(turns_)) {
      conn.fanoutTurn = static_cast<std::uint32_t>(turns_);
      conn.fanoutLeft = static_cast<std::int64_t>(fanoutBudget_);
    }
    conn.session().onInput(conn, scratch_, now_);
  }
  if (conn.open() && conn.transport().streamEnded() && !conn.inputWaiting) {
    conn.drain(CloseReason::kPeerClosed);
  }
}

}  // namespace linecast
