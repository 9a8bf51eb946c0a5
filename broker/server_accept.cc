// The Server's listener rows: accepting on each, admitting a connection
// under --max-conns, handing it to a reactor thread, and adopting it there
// with its row's fallback session and transport.
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <utility>

#include "server.h"
#include "util/log.h"

namespace linecast {

std::uint16_t Server::port() const {
  return listeners_[0].socket ? listeners_[0].socket->port() : 0;
}

std::uint16_t Server::listenerPort(std::string_view name) const {
  for (const ListenerRow& row : listeners_) {
    if (row.spec.name == name) return row.socket ? row.socket->port() : 0;
  }
  return 0;
}

// The cron's retry of the rows whose accepting stalled.
void Server::retryStalledAccepts() {
  for (std::size_t row = 0; row < listeners_.size(); ++row) {
    if (listeners_[row].acceptStalled) acceptAll(row);
  }
}

void Server::acceptAll(std::size_t row) {
  if (stopping_ || !listeners_[row].socket || listeners_[row].socket->fd() < 0) return;
  Listener& listener = *listeners_[row].socket;
  bool wasStalled = std::exchange(listeners_[row].acceptStalled, false);
  for (;;) {
    int fd;
    PeerAddress peer;
    auto result = listener.acceptOne(fd, peer);
    if (result == Listener::AcceptResult::kDrained) return;
    if (result == Listener::AcceptResult::kDropped) {
      ++metrics_.connectionsRejected;
      log(LogLevel::kWarn, "out of file descriptors: dropped a new connection");
      continue;
    }
    if (result == Listener::AcceptResult::kStalled || result == Listener::AcceptResult::kError) {
      // The queue's edge is spent: the cron retries while we are stalled,
      // so waiting connections are served once descriptors free up.
      if (!wasStalled) {
        log(LogLevel::kError, "accept failed: {}; retrying every {} ms", std::strerror(errno),
            static_cast<int>(kCronInterval * 1000));
      }
      listeners_[row].acceptStalled = true;
      return;
    }
    admit(fd, peer, row);
  }
}

// A new client socket: refused over --max-conns, otherwise given to the
// next reactor thread in turn (this one when it is alone).
void Server::admit(int fd, const PeerAddress& peer, std::size_t row) {
  if (openConnections() >= maxConns_) {
    // Sent before the protocol is known; the \r makes it valid RESP too.
    static constexpr std::string_view kFull = "-ERR max number of clients reached\r\n";
    ssize_t ignored = ::send(fd, kFull.data(), kFull.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
    (void)ignored;
    ::close(fd);
    ++metrics_.connectionsRejected;
    ++metrics_.protocolErrors;
    log(LogLevel::kWarn, "rejected {}: max number of clients ({}) reached", peer.format(), maxConns_);
    return;
  }
  PendingConnection pending;
  pending.fd = fd;
  pending.peer = peer;
  pending.listener = static_cast<std::uint16_t>(row);
  if (net_ == nullptr) return adopt(std::move(pending));
  // Counted here, before the owner has it, so a burst of accepts cannot
  // pass --max-conns; the owner gives it back when the connection closes.
  net_->openConnections().fetch_add(1);
  // A row pinned to thread 0 (which alone accepts) is adopted here.
  std::size_t to = listeners_[row].spec.firstThreadOnly ? index_ : nextThread_++ % net_->size();
  if (to == index_) {
    adopt(std::move(pending));
  } else {
    net_->handOff(to, std::move(pending));
  }
}

std::size_t Server::openConnections() const {
  return net_ != nullptr ? net_->openConnections().load() : connections_.size();
}

void Server::adopt(PendingConnection pending) {
  if (stopping_) {  // handed over while this thread was already shutting down
    ::close(pending.fd);
    if (net_ != nullptr) net_->openConnections().fetch_sub(1);
    return;
  }
  std::uint64_t id = nextId_;
  nextId_ += net_ != nullptr ? net_->size() : 1;
  auto conn = std::make_unique<Connection>(pending.fd, id, pending.peer, config_.maxLine,
                                           config_.maxOutbuf, endOfTurn_, now_);
  // The row's fallback protocol until the first byte says otherwise, so an
  // idle connection's timeouts are that protocol's.
  const ListenerRow& row = listeners_[pending.listener];
  conn->listener = pending.listener;
  conn->detecting = row.protocols.size() > 1;
  conn->setSession(row.protocols.back()->open(*conn));
  if (pending.transport) {
    conn->setTransport(std::move(pending.transport));  // moved from its first thread
    conn->detecting = false;
  } else if (row.spec.transport) {
    conn->setTransport(row.spec.transport());
  }
  conn->tlsPossible = row.spec.tls != nullptr && !pending.mqttOverWebSocket;
  access_.admit(*conn);
  if (uring_) {
    uringAttach(*conn);
  } else {
    reactor_.add(pending.fd, kReadEvents, id);
  }
  ++metrics_.connections;
  ++metrics_.connectionsByProtocol[static_cast<std::size_t>(conn->session().kind())];
  ++metrics_.connectionsTotal;
  log(LogLevel::kInfo, "conn {} open {}", id, conn->peer());
  Connection& adopted = *conn;
  connections_.insert(std::move(conn));
  if (pending.mqttOverWebSocket) adoptMqttOverWebSocket(adopted, pending);
}

void Server::closeListeners() {
  if (uring_) uringStopAccepting();  // cancelled by key, before the descriptors go
  for (ListenerRow& row : listeners_) {
    if (!row.socket || row.socket->fd() < 0) continue;
    reactor_.remove(row.socket->fd());
    row.socket->close();
  }
}

}  // namespace linecast
