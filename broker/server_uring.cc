// The Server's turn over io_uring (--io uring): what each completion means
// for a connection. The epoll path reads and writes in place; here the
// kernel did the I/O and the same protocol, fan-out and close logic runs
// on its results.
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/uring_loop.h"
#include "server.h"
#include "util/clock.h"
#include "util/log.h"

namespace linecast {

void UringLoopDeleter::operator()(UringLoop* loop) const { delete loop; }

void Server::startUring() {
  uring_.reset(new UringLoop());  // throws when the kernel refuses io_uring
  uring_->watchWake(wakeFd_);
  // The epoll registrations of the constructor are io_uring's now; the
  // epoll keeps the backplane's alone (--cluster: hiredis's descriptors,
  // which the HiredisReactorAdapter registers there), whose readiness the
  // ring watches.
  reactor_.remove(wakeFd_);
  for (const ListenerRow& row : listeners_) {
    if (row.socket) reactor_.remove(row.socket->fd());
  }
  if (backplane_) uring_->watchEpoll(reactor_.fd());
  if (index_ == 0) log(LogLevel::kInfo, "io backend: io_uring");
}

int Server::uringPoll(int timeoutMs) {
  // Accepts are (re-)armed here: after an EMFILE ended a multishot accept,
  // not until the cron found descriptors again.
  if (!stopping_) {
    for (std::size_t i = 0; i < listeners_.size(); ++i) {
      const ListenerRow& row = listeners_[i];
      if (row.socket && row.socket->fd() >= 0 && !row.acceptStalled) {
        uring_->accept(row.socket->fd(), kFirstListenerKey + i);
      }
    }
  }
  int events = 0;
  uring_->poll(timeoutMs, [this, &events](const UringEvent& event) {
    ++events;
    now_ = monotonicSeconds();
    beforeEvent();
    onUringEvent(event);
  });
  return events;
}

void Server::onUringEvent(const UringEvent& event) {
  switch (event.kind) {
    case UringEvent::Kind::kAccept:
      return uringAccepted(event.key, event.result);
    case UringEvent::Kind::kListenerReady:
      // The epoll path's accept loop, once; uringPoll then re-arms the
      // multishot accept.
      return acceptAll(event.key - kFirstListenerKey);
    case UringEvent::Kind::kWake:
      // Other threads wake us for their messages too (runOnce takes them):
      // only a stop request stops us.
      if (stopRequested_.load()) stopping_ = true;
      return;
    case UringEvent::Kind::kEpollReady:
      // The backplane's descriptors, as the epoll path hands them over; then
      // watched again (submitted at the end of the turn, after hiredis
      // changed its registrations).
      reactor_.poll(0, [this](std::uint64_t key, std::uint32_t events) { onEvent(key, events); });
      uring_->watchEpoll(reactor_.fd());
      return;
    case UringEvent::Kind::kData: {
      Connection& conn = *event.conn;
      // Draining or lingering, or the whole process shutting down: input is
      // no longer wanted.
      if (!conn.open() || readingStopped_) return;
      if (conn.tlsPossible && event.size > 0) decideTransport(conn, event.data[0]);
      if (!conn.absorbInput(event.data, event.size)) {
        return conn.abort(conn.transport().handshaking() ? CloseReason::kTlsHandshake : CloseReason::kIoError);
      }
      metrics_.bytesIn += event.size;
      conn.markActive(now_);
      // A transport may answer by itself (a TLS handshake flight), and
      // may have no plaintext for the session yet.
      if (conn.transport().pendingWire()) conn.requestFlush();
      if (conn.movingToFirstThread) return;  // its input goes along (startMqttOverWebSocket)
      if (!conn.input().empty() && !conn.inputWaiting) {  // else resumed next turn, after what waits
        dispatchInput(conn);
        if (conn.open() && conn.inputWaiting) {
          uringPauseRecv(conn);
          waitWithInput(conn);  // next turn, or (a PING parked for Redis) once confirmed
        }
      }
      // The peer ended its stream inside the transport (a WebSocket close):
      // an end of input, as a FIN is.
      if (conn.open() && conn.transport().streamEnded()) {
        if (conn.inputWaiting) {
          conn.peerEnded = true;
        } else {
          conn.drain(CloseReason::kPeerClosed);
        }
      }
      return;
    }
    case UringEvent::Kind::kRecvEnded: {
      Connection& conn = *event.conn;
      if (conn.state() == Connection::State::kLingering) return conn.abort(conn.reason());
      if (!conn.open()) return;  // draining: its flush finishes it
      if (event.result == 0 && conn.inputWaiting) {
        conn.peerEnded = true;  // drained once the waiting input has run
        return;
      }
      // Every complete line ran; an unterminated last line is dropped.
      if (event.result == 0) return conn.drain(CloseReason::kPeerClosed);
      return conn.abort(CloseReason::kIoError);
    }
    case UringEvent::Kind::kSent: {
      Connection& conn = *event.conn;
      if (conn.state() == Connection::State::kClosing) return;  // its output is gone
      if (event.result < 0) return conn.abort(CloseReason::kIoError);
      auto sent = static_cast<std::size_t>(event.result);
      // Consumed and no longer in flight at once: until here the sent bytes
      // still count as handed to the kernel (Connection::reserveOutput).
      conn.wireOutput().consume(sent);
      conn.uringSlot->outputInFlight = 0;
      metrics_.bytesOut += sent;
      if (sent > 0) conn.markActive(now_);
      // A short send, or bytes queued while it was in flight, or a draining
      // connection to finish: flush it again at the end of this turn.
      bool more = !conn.output().empty() || conn.transport().pendingWire() ||
                  conn.state() == Connection::State::kDraining;
      if (more && !conn.flushQueued) {
        conn.flushQueued = true;
        endOfTurn_.flush.push_back(&conn);
      }
      return;
    }
  }
}

void Server::uringAccepted(std::uint64_t key, int result) {
  std::size_t row = key - kFirstListenerKey;
  if (result < 0) {
    // The multishot accept ended (EMFILE, ENFILE, ...). The epoll path's
    // accept loop sheds or stalls exactly as with epoll; the cron retries a
    // stall.
    // Linux says EMFILE before it looks at the queue, so re-arming at once
    // would fail at once, forever: wait for the next connection instead.
    errno = -result;
    acceptAll(row);
    if (!listeners_[row].acceptStalled && !stopping_) {
      uring_->awaitListener(listeners_[row].socket->fd(), key);
    }
    return;
  }
  if (stopping_) {
    ::close(result);  // raced with the shutdown's cancellation
    return;
  }
  // The kernel took RLIMIT_NOFILE when the multishot accept was armed, so a
  // limit lowered since (prlimit) does not stop it. Past the limit now, the
  // connection is dropped as epoll's accept would have dropped it, and the
  // accept is re-armed so that it sees the new limit (and says EMFILE).
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) == 0 && static_cast<rlim_t>(result) >= limit.rlim_cur) {
    ::close(result);
    ++metrics_.connectionsRejected;
    log(LogLevel::kWarn, "out of file descriptors: dropped a new connection");
    uring_->stopAccepting(key);
    return;
  }
  int one = 1;
  // Output is already batched once per turn; Nagle would only add delay.
  ::setsockopt(result, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_storage addr{};
  socklen_t len = sizeof addr;
  ::getpeername(result, reinterpret_cast<sockaddr*>(&addr), &len);
  admit(result, PeerAddress::of(&addr), row);
}

Connection::WriteResult Server::uringSend(Connection& conn) {
  uring_->send(conn);  // no-op while one is in flight: its completion flushes again
  return Connection::WriteResult::kPending;
}

void Server::uringAttach(Connection& conn) { uring_->attach(conn); }

bool Server::uringAtFrameBoundary(const Connection& conn) const {
  return uring_->atFrameBoundary(conn);
}

void Server::uringDetach(Connection& conn) { uring_->detach(conn); }

void Server::uringSubmit() { uring_->submit(); }

void Server::uringPauseRecv(Connection& conn) { uring_->pauseRecv(conn); }

bool Server::uringIdle(const Connection& conn) const { return uring_->idle(conn); }

void Server::uringResumeRecv(Connection& conn) { uring_->resumeRecv(conn); }

void Server::uringStopAccepting() {
  for (std::size_t i = 0; i < listeners_.size(); ++i) uring_->stopAccepting(kFirstListenerKey + i);
}

}  // namespace linecast
