#include "server.h"

#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <system_error>
#include <utility>

#include "cluster/backplane.h"
#include "cluster/cluster_hub.h"
#include "protocols/registry.h"
#include "util/clock.h"
#include "util/log.h"
#include "version.h"

namespace linecast {
namespace {

// Bytes one connection may read per turn before others get their share.
constexpr std::size_t kReadBudget = 256 * 1024;
// Idle this long, a connection gives its empty ring blocks back.
constexpr double kIdleRelease = 1.0;
// Lingering after our last line: how long we wait for the client's FIN.
constexpr double kLingerSeconds = 2.0;
// Descriptors kept free for the listener, epoll, logs and the spare.
constexpr rlim_t kReservedFds = 32;

// Raises the soft descriptor limit to the hard one and returns how many
// client connections fit under it.
std::size_t connectionsTheFdLimitAllows() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return 1024;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    ::setrlimit(RLIMIT_NOFILE, &limit);
    ::getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur > kReservedFds ? limit.rlim_cur - kReservedFds : 1;
}

}  // namespace

Server::Server(const Config& config, Interconnect* net, std::size_t index,
               std::vector<ListenerSpec> listeners)
    : config_(config),
      net_(net),
      index_(index),
      broker_(metrics_, config.retained ? config.retained
                                        : std::make_shared<RetainedStore>(RetainedLimits{
                                              config.maxRetained, config.maxRetainedBytes})),
      access_(config.authToken, config.users, config.jwt, broker_),
      clients_([this](const std::function<void(Connection&)>& visit) {
                 connections_.forEach(visit);
               },
               now_),
      protocols_(makeProtocols(broker_, clients_, config, index)),
      scratch_(config.maxLine + 1) {
  broker_.attachStore(config.store.get());
  if (listeners.empty()) listeners = listenerTable(config);
  for (ListenerSpec& spec : listeners) {
    ListenerRow row{std::move(spec), nullptr, {}};
    for (const std::string& name : row.spec.protocols) {
      auto it = std::find_if(protocols_.begin(), protocols_.end(),
                             [&](const auto& p) { return p->name() == name; });
      if (it == protocols_.end()) throw std::invalid_argument("unknown protocol " + name);
      row.protocols.push_back(it->get());
    }
    listeners_.push_back(std::move(row));
  }
  if (listeners_.empty() || kFirstListenerKey + listeners_.size() > kFirstConnectionId) {
    throw std::invalid_argument("the listener table needs 1 to 13 rows");
  }
  // The first thread accepts for all. Bound first: a throw here leaves
  // nothing else to undo.
  if (index_ == 0) {
    for (ListenerRow& row : listeners_) {
      row.socket = std::make_unique<Listener>(row.spec.bind, row.spec.port);
    }
  }
  wakeFd_ = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (wakeFd_ < 0) throw std::system_error(errno, std::generic_category(), "eventfd");
  reactor_.add(wakeFd_, EPOLLIN | EPOLLET, kWakeKey);
  for (std::size_t i = 0; i < listeners_.size(); ++i) {
    if (listeners_[i].socket) {
      reactor_.add(listeners_[i].socket->fd(), EPOLLIN | EPOLLET, kFirstListenerKey + i);
    }
  }
  if (net_ != nullptr) {
    net_->attach(index_, broker_, metrics_, clients_, wakeFd_);
    broker_.attach(*net_, index_);
    clients_.attach(*net_, index_);
    // Ids unique over the process, for the logs: thread i takes i, i+N, ...
    nextId_ = kFirstConnectionId + index_;
  }
  if (config.clusterHub) {
    clusterHub_ = config.clusterHub.get();
    broker_.attachCluster(clusterHub_->outbox(index_));
    clusterHub_->outbox(index_).setWakeFd(wakeFd_);
    if (index_ == 0) {
      clusterHub_->setWakeFd(wakeFd_);
      backplane_ = makeBackplane(config, *clusterHub_, broker_, metrics_, reactor_);
    }
  }
  maxConns_ = config.maxConns;
  if (index_ == 0) {
    maxConns_ = std::min(config.maxConns, connectionsTheFdLimitAllows());
    if (maxConns_ < config.maxConns) {
      log(LogLevel::kWarn, "--max-conns {} lowered to {} by the file descriptor limit",
          config.maxConns, maxConns_);
    }
  }
  now_ = monotonicSeconds();
  nextCron_ = now_ + kCronInterval;
  // Under io_uring the epoll registrations above stay inert: nobody waits
  // on that epoll.
  if (config.io == "uring") startUring();
}

Server::~Server() {
  if (uring_) {
    connections_.forEach([this](Connection& conn) { uringDetach(conn); });
  }
  connections_.clear();
  uring_.reset();  // waits for cancelled sends before their blocks go
  if (wakeFd_ >= 0) ::close(wakeFd_);
}

void Server::requestStop() {
  stopRequested_.store(true);
  wake();
}

void Server::wake() {
  std::uint64_t one = 1;
  ssize_t ignored = ::write(wakeFd_, &one, sizeof one);  // async-signal-safe
  (void)ignored;
}

int Server::run() {
  for (const ListenerRow& row : listeners_) {
    if (!row.socket) continue;
    if (&row == &listeners_[0]) {
      log(LogLevel::kInfo, "linecast-server {} listening on {}", kVersion, row.socket->address());
    } else {
      log(LogLevel::kInfo, "{} listening on {}", row.spec.name, row.socket->address());
    }
  }
  while (!stopping_) runOnce(1000);
  double deadline = now_ + config_.shutdownGrace;
  if (net_ != nullptr) quiesce(deadline);
  beginShutdown();
  while (!connections_.empty() && now_ < deadline) runOnce(50);
  std::size_t cut = connections_.size();
  connections_.forEach([](Connection& conn) { conn.abort(CloseReason::kShutdown); });
  endTurn();
  if (cut > 0 || index_ == 0) {
    log(LogLevel::kInfo, "stopped ({} connections cut at the grace deadline)", cut);
  }
  return 0;
}

void Server::runOnce(int maxWaitMs) {
  ++turns_;
  int timeout = maxWaitMs;
  if (!readAgain_.empty()) {
    timeout = 0;
  } else {
    double untilCron = nextCron_ - monotonicSeconds();
    timeout = std::clamp(static_cast<int>(untilCron * 1000) + 1, 0, maxWaitMs);
  }
  // Congested: the lanes to other threads are backed up, so reads wait for
  // them rather than spin.
  if (!readAgain_.empty() && net_ != nullptr && net_->congested(index_)) timeout = 1;
  // --busy-poll-us: a client that answers within the window finds us
  // awake, without the wake-up a sleeping thread costs (tens of us on a VM).
  if (timeout > 0 && config_.busyPollUs > 0 && monotonicSeconds() < busyUntil_) timeout = 0;
  readAgainNow_.swap(readAgain_);
  if (net_ != nullptr && timeout > 0 && !net_->prepareToSleep(index_)) timeout = 0;
  othersTaken_ = false;
  int events = 0;
  if (uring_) {
    events = uringPoll(timeout);
  } else {
    events = reactor_.poll(timeout, [this](std::uint64_t key, std::uint32_t events) {
      now_ = monotonicSeconds();
      beforeEvent();
      onEvent(key, events);
    });
  }
  now_ = monotonicSeconds();
  if (events > 0 && config_.busyPollUs > 0) busyUntil_ = now_ + static_cast<double>(config_.busyPollUs) / 1e6;
  beforeEvent();
  if (net_ != nullptr) takeFromOtherThreads();  // what came in during the events
  if (!clusterParked_.empty()) resumeConfirmed();
  resumeBudgetedReads();
  if (now_ >= nextCron_) cron();
  endTurn();
}

void Server::onEvent(std::uint64_t key, std::uint32_t events) {
  if (isListenerKey(key)) return acceptAll(key - kFirstListenerKey);
  static_assert(Backplane::kFirstKey + Backplane::kKeys <= kWakeKey, "the backplane's keys come first");
  if (key < Backplane::kFirstKey + Backplane::kKeys) {
    if (backplane_) backplane_->onEvent(key, events);
    return;
  }
  if (key == kWakeKey) {
    std::uint64_t count;
    ssize_t ignored = ::read(wakeFd_, &count, sizeof count);
    (void)ignored;
    // Other threads wake us for their messages too: only a stop request
    // stops us.
    if (stopRequested_.load()) stopping_ = true;
    return;
  }
  Connection* conn = find(key);
  if (conn == nullptr) return;  // closed earlier in this batch
  if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
    readFrom(*conn, (events & (EPOLLRDHUP | EPOLLHUP)) != 0);
  }
  if (events & EPOLLOUT) conn->socketFull = false;
  if ((events & EPOLLOUT) && conn->state() != Connection::State::kClosing && !conn->flushQueued) {
    endOfTurn_.flush.push_back(conn);
    conn->flushQueued = true;
  }
}

Connection* Server::find(std::uint64_t id) {
  return connections_.find(id);
}

// Messages from other threads are delivered before this turn's first
// event: a client that saw another's publish confirmed (its PONG) and then
// wrote to us must find that publish already queued ahead of our reply, as
// on one thread. That message was in our lane before its PONG was written.
void Server::beforeEvent() {
  if (othersTaken_ || net_ == nullptr) return;
  othersTaken_ = true;
  net_->wokeUp(index_);
  takeFromOtherThreads();
}

// Connections the first thread accepted for this one, and messages the
// other threads published for this one's subscribers.
void Server::takeFromOtherThreads() {
  net_->calls().serve(index_);
  net_->takeHandOffs(index_, handOffs_);
  for (PendingConnection& pending : handOffs_) adopt(std::move(pending));
  handOffs_.clear();
  net_->drain(index_, [this](std::string_view channel, std::uint64_t hash,
                             std::string_view payload, Forwarded kind) {
    broker_.deliverForwarded(channel, hash, payload, kind);
  });
}

void Server::readFrom(Connection& conn, bool hangup) {
  // Under io_uring the kernel reads and a lingering connection's input is
  // dropped as it arrives: only input a spent fan-out budget left is ours.
  if (conn.state() == Connection::State::kLingering && !uring_) return discard(conn);
  if (!conn.open() || readingStopped_) return;  // draining: input is no longer wanted
  if (conn.clusterParked) return;  // resumeConfirmed() reads it once Redis confirmed
  if (net_ != nullptr && net_->congested(index_)) {
    requeueRead(conn);  // the other threads must catch up first
    return;
  }
  // Input left by a spent fan-out budget goes first, before more is read.
  if (conn.inputWaiting && !resumeWaitingInput(conn)) return;
  if (uring_) return;  // the kernel reads: resuming the input was all
  if (conn.tlsPossible && !peekTransport(conn)) return;
  conn.borrowInputBlock();
  readSocketUntilDone(conn, hangup);
  conn.returnEmptyInput();
}

void Server::readSocketUntilDone(Connection& conn, bool hangup) {
  std::size_t spent = 0;
  for (;;) {
    std::size_t n = 0;
    auto result = conn.readSocket(hangup, n);
    // A transport may answer by itself (a WebSocket pong or close).
    if (conn.transport().pendingWire()) conn.requestFlush();
    if (n > 0) {
      metrics_.bytesIn += n;
      spent += n;
      conn.markActive(now_);
      dispatchInput(conn);
      if (!conn.open()) return;
      if (conn.inputWaiting) {
        // The fan-out budget is spent (or a PING waits for Redis): the rest
        // of the input, and of the socket, waits for a later turn (EPOLLET
        // raises no new edge).
        if (result == Connection::ReadResult::kEof) conn.peerEnded = true;
        waitWithInput(conn);
        return;
      }
    }
    switch (result) {
      case Connection::ReadResult::kDrained:
        return;
      case Connection::ReadResult::kEof:
        // Every complete line ran; an unterminated last line is dropped.
        conn.drain(CloseReason::kPeerClosed);
        return;
      case Connection::ReadResult::kError:
        conn.abort(conn.transport().handshaking() ? CloseReason::kTlsHandshake : CloseReason::kIoError);
        return;
      case Connection::ReadResult::kMore:
        break;
    }
    if (spent >= kReadBudget) {
      // With EPOLLET the bytes left in the socket raise no new edge: resume
      // this connection next turn, after the others had their share.
      requeueRead(conn);
      return;
    }
  }
}

bool Server::resumeWaitingInput(Connection& conn) {
  conn.inputWaiting = false;
  dispatchInput(conn);
  if (!conn.open()) return false;
  if (conn.inputWaiting) {
    waitWithInput(conn);
    return false;
  }
  if (conn.peerEnded) {
    // Every complete line ran; an unterminated last line is dropped.
    conn.drain(CloseReason::kPeerClosed);
    return false;
  }
  if (uring_) uringResumeRecv(conn);
  return true;
}

void Server::dispatchInput(Connection& conn) {
  // First-byte detection: the first protocol of the row that claims the
  // byte; the fallback (last) already holds the connection.
  if (conn.detecting) {
    conn.detecting = false;
    // The TLS handshake is over by the first plaintext byte: a client
    // certificate may name the user.
    if (conn.tlsIdentity) {
      conn.tlsIdentity = false;
      access_.withCertificate(conn, conn.transport().peerName());
    }
    const auto& candidates = listeners_[conn.listener].protocols;
    char first = conn.input().at(0);
    for (Protocol* protocol : candidates) {
      if (!protocol->claims(first)) continue;
      if (protocol != candidates.back()) switchSession(conn, protocol->open(conn));
      break;
    }
    if (conn.plaintextRefused) return conn.session().refusePlaintext(conn);
  }
  // The fan-out budget is per connection per turn.
  if (conn.fanoutTurn != static_cast<std::uint32_t>(turns_)) {
    conn.fanoutTurn = static_cast<std::uint32_t>(turns_);
    conn.fanoutLeft = static_cast<std::int64_t>(fanoutBudget_);
  }
  conn.session().onInput(conn, scratch_, now_);
  // An upgrade: the new session runs the bytes that came after the request.
  while (auto next = conn.takeUpgrade()) {
    switchSession(conn, std::move(next));
    if (conn.open() && !conn.input().empty()) conn.session().onInput(conn, scratch_, now_);
  }
  if (conn.becomesMqttOverWebSocket && conn.open()) startMqttOverWebSocket(conn);
}

void Server::switchSession(Connection& conn, std::unique_ptr<Session> session) {
  --metrics_.connectionsByProtocol[static_cast<std::size_t>(conn.session().kind())];
  conn.setSession(std::move(session));
  ++metrics_.connectionsByProtocol[static_cast<std::size_t>(conn.session().kind())];
}

void Server::discard(Connection& conn) {
  switch (conn.discardInput()) {
    case Connection::DiscardResult::kPeerGone:
      conn.abort(conn.reason());
      break;
    case Connection::DiscardResult::kBudgetSpent:
      requeueRead(conn);
      break;
    case Connection::DiscardResult::kDrained:
      break;
  }
}

void Server::waitWithInput(Connection& conn) {
  if (conn.clusterParked) {
    clusterParked_.push_back(conn.id());
  } else {
    requeueRead(conn);
  }
}

// --cluster: the connections parked on a PING whose SUB Redis has now
// confirmed run their input again (the PING first).
void Server::resumeConfirmed() {
  // Swapped: a resumed connection may park again on a later PING.
  clusterParkedNow_.swap(clusterParked_);
  for (std::uint64_t id : clusterParkedNow_) {
    Connection* conn = find(id);
    if (conn == nullptr || !conn->clusterParked) continue;
    if (!broker_.clusterConfirmed(conn->clusterNeed())) {
      clusterParked_.push_back(id);
      continue;
    }
    conn->clusterParked = false;
    readFrom(*conn, false);
  }
  clusterParkedNow_.clear();
}

void Server::requeueRead(Connection& conn) {
  if (!conn.readQueued) {
    conn.readQueued = true;
    readAgain_.push_back(conn.id());
  }
}

void Server::resumeBudgetedReads() {
  for (std::uint64_t id : readAgainNow_) {
    Connection* conn = find(id);
    if (conn == nullptr) continue;
    conn->readQueued = false;
    readFrom(*conn, true);
  }
  readAgainNow_.clear();
}

void Server::cron() {
  nextCron_ = now_ + kCronInterval;
  retryStalledAccepts();
  reloadIfAsked();
  if (backplane_) backplane_->cron(now_);
  connections_.forEach([this](Connection& conn) { checkTimeouts(conn); });
}

void Server::checkTimeouts(Connection& conn) {
  switch (conn.state()) {
    case Connection::State::kOpen:
      break;
    case Connection::State::kDraining:
    case Connection::State::kLingering:
      // No deadline: drained in this very turn, whose endTurn() has not stamped the
      // deadline yet (the cron runs before it). Cutting it now dropped the
      // pending output and the last reply (issue 18).
      if (conn.drainDeadlinePassed(now_)) conn.abort(conn.reason());
      return;
    case Connection::State::kClosing:
      return;
  }
  conn.ageTimes(now_);
  if (handshakeOverdue(conn)) return;
  conn.session().checkTimeouts(conn, now_);
  if (conn.open() && conn.idleSeconds(now_) >= kIdleRelease) conn.releaseIdleBuffers();
}

void Server::endTurn() {
  lastTurnWriteCalls_ = 0;
  lastTurnFlushes_ = 0;
  // --cluster: this turn's messages to the hub; thread 0 sends them all.
  if (clusterHub_ != nullptr) {
    clusterHub_->handOver(index_);
    if (backplane_) backplane_->endTurn();
  }
  // flush() can only append to the close list, never to the flush list.
  // Other threads first: their subscribers wait on our messages.
  if (net_ != nullptr) net_->endTurn(index_);
  // The data store's writes of this turn go to its writer; under --fsync
  // always this waits until they are on the disk, so the replies flushed
  // below never acknowledge a write that a crash could lose.
  broker_.storeTurn().finish();
  if (!movingToFirstThread_.empty()) moveWaitingConnections();
  for (std::size_t i = 0; i < endOfTurn_.flush.size(); ++i) {
    Connection* conn = endOfTurn_.flush[i];
    conn->flushQueued = false;
    flush(*conn);
  }
  endOfTurn_.flush.clear();
  for (std::size_t i = 0; i < endOfTurn_.close.size(); ++i) destroy(*endOfTurn_.close[i]);
  endOfTurn_.close.clear();
  if (uring_) uringSubmit();  // the turn's sends and cancellations: one syscall
}

void Server::flush(Connection& conn) {
  auto state = conn.state();
  if (state == Connection::State::kClosing || state == Connection::State::kLingering) return;
  // drain() always asks for a flush in the same turn, so this stamps every
  // draining connection before any cron can judge it.
  if (state == Connection::State::kDraining && !conn.hasDrainDeadline()) {
    conn.tightenDrainDeadline(now_ + config_.shutdownGrace, now_);
  }
  // A subscriber that stopped reading: until the kernel says its socket
  // has room, a write would only fail with EAGAIN, once per turn.
  if (conn.socketFull) return;
  std::size_t written = 0;
  std::uint64_t callsBefore = endOfTurn_.writeCalls;
  // A transport may hold bytes of its own (TLS records under io_uring).
  bool nothing = conn.output().empty() && !conn.transport().pendingWire();
  auto result = nothing  ? Connection::WriteResult::kDone
                : uring_ ? uringSend(conn)
                         : conn.writeSocket(written);
  lastTurnWriteCalls_ += endOfTurn_.writeCalls - callsBefore;
  ++lastTurnFlushes_;
  metrics_.bytesOut += written;
  if (written > 0) conn.markActive(now_);
  switch (result) {
    case Connection::WriteResult::kError:
      conn.abort(CloseReason::kIoError);
      return;
    case Connection::WriteResult::kPending:
      // Under io_uring a pending send is in flight, not a full socket: its
      // completion flushes again.
      if (!uring_) conn.socketFull = true;
      watchWritable(conn, true);
      return;
    case Connection::WriteResult::kDone:
      watchWritable(conn, false);
      if (!uring_) conn.returnEmptyOutput();
      break;
  }
  if (state != Connection::State::kDraining) return;
  if (conn.reason() == CloseReason::kPeerClosed || conn.reason() == CloseReason::kShutdown) {
    conn.abort(conn.reason());  // nothing more to wait for
  } else {
    // The client may still be sending (a too-long line, bytes after QUIT):
    // closing now would answer with a reset that can destroy our last line
    // in its receive queue, so half-close and wait for its FIN.
    // A client that reads our EOF may publish at once on another
    // connection: it must no longer be counted (Redis frees the client
    // before its socket closes).
    unsubscribeEverywhere(conn);
    conn.startLingering();
    conn.tightenDrainDeadline(now_ + kLingerSeconds, now_);
    discard(conn);
  }
}

void Server::unsubscribeEverywhere(Connection& conn) {
  conn.session().dropSubscriptions(conn);
  broker_.unsubscribeAll(conn);
}

void Server::watchWritable(Connection& conn, bool on) {
  if (uring_) return;  // a send in flight is the wait for writability
  if (conn.wantsWritable == on) return;
  conn.wantsWritable = on;
  reactor_.modify(conn.fd(), on ? (kReadEvents | EPOLLOUT) : kReadEvents, conn.id());
}

void Server::destroy(Connection& conn) {
  CloseReason reason = conn.reason();
  if (reason == CloseReason::kSlowConsumer) {
    ++metrics_.slowConsumers;
    // Best effort: the backlog is gone; the line goes only if the socket
    // takes it now, if the protocol has one (Session::slowConsumerLine), and
    // not when the last write stopped inside a frame (or, under io_uring, a
    // send may still be in the kernel): the line would tear it.
    std::string_view line = conn.session().slowConsumerLine();
    bool atBoundary = uring_ ? uringAtFrameBoundary(conn) : conn.atFrameBoundary();
    if (!line.empty() && atBoundary) {
      ++metrics_.protocolErrors;
      conn.transport().sendBestEffort(conn.fd(), line);
    }
    log(LogLevel::kWarn, "conn {} {} cut: slow consumer (over {} bytes pending)", conn.id(),
        conn.peer(), config_.maxOutbuf);
  }
  log(LogLevel::kInfo, "conn {} closed {} reason={}", conn.id(), conn.peer(),
      closeReasonName(reason));
  unsubscribeEverywhere(conn);
  --metrics_.connections;
  --metrics_.connectionsByProtocol[static_cast<std::size_t>(conn.session().kind())];
  // A connection moved to another thread is still open there (its socket
  // left this one with it).
  if (net_ != nullptr && conn.fd() >= 0) net_->openConnections().fetch_sub(1);
  if (uring_) uringDetach(conn);  // cancels its I/O; a send in flight keeps its block
  connections_.erase(conn.id());  // closes the socket, which leaves epoll
}

// With other threads, a message this thread accepted before the stop may
// still be on its way to another thread's subscribers, and theirs to ours:
// every thread stops reading and pushes out what it holds, and only once all
// have done so does each deliver the last of its lanes and start closing.
void Server::quiesce(double deadline) {
  readingStopped_ = true;
  closeListeners();
  while (!net_->overflowEmpty(index_) && now_ < deadline) runOnce(10);
  net_->quiesce();
  while (!net_->allQuiesced() && now_ < deadline) runOnce(10);
  takeFromOtherThreads();
}

void Server::beginShutdown() {
  log(LogLevel::kInfo, "shutting down: flushing {} connections for up to {} s",
      connections_.size(), config_.shutdownGrace);
  closeListeners();
  double deadline = now_ + config_.shutdownGrace;
  connections_.forEach([&](Connection& conn) {
    conn.drain(CloseReason::kShutdown);
    // One already lingering keeps its shorter wait for the client's FIN:
    // it has nothing left to flush.
    conn.tightenDrainDeadline(deadline, now_);
  });
}

}  // namespace linecast
