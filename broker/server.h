#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <vector>

#include "client_directory.h"
#include "config.h"
#include "metrics.h"
#include "net/connection.h"
#include "net/connection_table.h"
#include "net/listener.h"
#include "net/listener_spec.h"
#include "net/reactor.h"
#include "protocols/access_control.h"
#include "protocols/protocol.h"
#include "routing/broker.h"
#include "threads/interconnect.h"

namespace linecast {

class Backplane;
class ClusterHub;
class UringLoop;
struct UringEvent;
// UringLoop is complete only where the io_uring backend is built in.
struct UringLoopDeleter {
  void operator()(UringLoop* loop) const;
};

// One reactor thread of the broker: a Reactor turning over its client
// connections (and, on the first thread, the listeners). It owns the
// connections (by id: epoll events carry the id, never a pointer, so a stale
// event finds nothing), a Broker, and the protocol handlers, which it knows
// only through the Protocol and Session interfaces (protocols/registry.cc
// names them and builds the listener table). Each turn: wait,
// take messages and connections from the other threads, read within a
// budget and execute, signal the other threads, then write every connection
// with output once, then close the ones marked for closing.
//
// Alone (no Interconnect) it is the whole broker; with --threads N a
// ReactorGroup runs N of them, the first accepting for all.
class Server {
 public:
  // The first thread (index 0) binds the listening sockets; throws
  // std::system_error when it cannot. `listeners` empty: the table the
  // config asks for (protocols/registry.cc, listenerTable).
  explicit Server(const Config& config, Interconnect* net = nullptr, std::size_t index = 0,
                  std::vector<ListenerSpec> listeners = {});
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Runs until requestStop(), then stops accepting and flushes pending
  // output for at most --shutdown-grace seconds. Returns the exit code.
  int run();
  // One reactor turn, waiting at most maxWaitMs for events (tests drive the
  // server with it).
  void runOnce(int maxWaitMs);
  // Async-signal-safe: wakes the reactor and makes run() return.
  void requestStop();
  // Async-signal-safe (SIGHUP): the next cron reloads the TLS files.
  void requestReload();

  // The main port: the first row of the listener table.
  std::uint16_t port() const;
  // The port of the named listener row; 0 when there is none.
  std::uint16_t listenerPort(std::string_view name) const;
  const Metrics& metrics() const { return metrics_; }
  std::size_t connectionCount() const { return connections_.size(); }
  std::size_t maxConnections() const { return maxConns_; }
  std::uint64_t turns() const { return turns_; }
  // send() calls made in the last turn, and connections written in it: a
  // test checks the first never exceeds the second by more than the partial
  // writes, i.e. one batched write per connection per turn.
  std::uint64_t lastTurnWriteCalls() const { return lastTurnWriteCalls_; }
  std::uint64_t lastTurnFlushes() const { return lastTurnFlushes_; }
  // Tests: a smaller Connection::kFanoutBudget for connections adopted
  // from now on, so that a few small messages cross it.
  void setFanoutBudget(std::size_t bytes) { fanoutBudget_ = bytes; }

 private:
  static constexpr double kCronInterval = 0.1;
  static constexpr std::uint32_t kReadEvents = EPOLLIN | EPOLLRDHUP | EPOLLET;
  // Keys 0 to 2 are the backplane's (Backplane::kFirstKey, kKeys).
  static constexpr std::uint64_t kWakeKey = 3;
  // Listener row i has the key kFirstListenerKey + i, below the first id.
  static constexpr std::uint64_t kFirstListenerKey = 4;
  static constexpr std::uint64_t kFirstConnectionId = 16;

  // One row of the listener table: its socket (on the first thread only)
  // and its protocols in detection order.
  struct ListenerRow {
    ListenerSpec spec;
    std::unique_ptr<Listener> socket;
    std::vector<Protocol*> protocols;
    bool acceptStalled = false;  // out of descriptors: the cron retries accepting
  };
  static bool isListenerKey(std::uint64_t key) {
    return key >= kFirstListenerKey && key < kFirstConnectionId;
  }

  void wake();  // async-signal-safe: the reactor's wait returns
  void onEvent(std::uint64_t key, std::uint32_t events);
  void acceptAll(std::size_t row);
  void retryStalledAccepts();
  void admit(int fd, const PeerAddress& peer, std::size_t row);
  void adopt(PendingConnection pending);
  void closeListeners();
  void beforeEvent();
  void takeFromOtherThreads();
  std::size_t openConnections() const;
  void dispatchInput(Connection& conn);
  // Replaces an open connection's session (first-byte detection, an
  // upgrade), keeping the per-protocol connection gauges true.
  void switchSession(Connection& conn, std::unique_ptr<Session> session);
  // MQTT over WebSocket (server_mqtt_ws.cc): an HTTP connection that
  // answered the upgrade becomes an MQTT session over the WebSocket
  // framing here on thread 0, or moves to thread 0 (epoll) to become one.
  void startMqttOverWebSocket(Connection& conn);
  void adoptMqttOverWebSocket(Connection& conn, PendingConnection& pending);
  void runMqttOverWebSocket(Connection& conn);
  // Hands a connection to thread 0 with its transport and input; the
  // transport's framing starts with `unframed` bytes of output as they are.
  void moveToFirstThread(Connection& conn);
  // io_uring: the connections waiting for their I/O in the kernel to end
  // before they move (their ids), checked at the end of each turn.
  void moveWaitingConnections();
  // Runs the input a spent fan-out budget left; true when none is left
  // and the connection is open for more.
  bool resumeWaitingInput(Connection& conn);
  void checkTimeouts(Connection& conn);
  // TLS (server_tls.cc): the transport from the first byte (peeked under
  // epoll), the handshake deadline, the SIGHUP reload.
  bool peekTransport(Connection& conn);
  void decideTransport(Connection& conn, char first);
  bool handshakeOverdue(Connection& conn);
  void reloadIfAsked();
  void readFrom(Connection& conn, bool hangup);
  // readFrom's reads and dispatch, until the socket is empty or the read
  // budget or fan-out budget is spent.
  void readSocketUntilDone(Connection& conn, bool hangup);
  void discard(Connection& conn);
  void requeueRead(Connection& conn);
  // Input waits in the ring: for the next turn (fan-out budget), or for
  // Redis's confirmation (a parked PING, --cluster).
  void waitWithInput(Connection& conn);
  void resumeConfirmed();
  void resumeBudgetedReads();
  void cron();
  void endTurn();
  void flush(Connection& conn);
  void destroy(Connection& conn);
  void beginShutdown();
  void quiesce(double deadline);
  // Drops the connection's subscriptions in the Router and its protocol's index.
  void unsubscribeEverywhere(Connection& conn);
  void watchWritable(Connection& conn, bool on);
  Connection* find(std::uint64_t id);

  // The io_uring backend (--io uring), in server_uring.cc; the same turn,
  // with the kernel doing the reads and writes.
  void startUring();
  int uringPoll(int timeoutMs);  // the completions it handled
  void onUringEvent(const UringEvent& event);
  void uringAccepted(std::uint64_t key, int result);
  Connection::WriteResult uringSend(Connection& conn);
  void uringAttach(Connection& conn);
  bool uringAtFrameBoundary(const Connection& conn) const;
  void uringDetach(Connection& conn);
  // Input waits in the ring (fan-out budget): stop the kernel reading
  // more until it has run, then start again.
  void uringPauseRecv(Connection& conn);
  bool uringIdle(const Connection& conn) const;
  void uringResumeRecv(Connection& conn);
  void uringSubmit();
  void uringStopAccepting();

  Config config_;
  Metrics metrics_;
  Reactor reactor_;
  Interconnect* net_;
  std::size_t index_;
  int wakeFd_ = -1;
  Broker broker_;
  AccessControl access_;  // a new connection's starting identity
  ClientDirectory clients_;  // CLIENT LIST/KILL: this thread's connections, and the way to the others'
  std::vector<std::unique_ptr<Protocol>> protocols_;  // this thread's handlers
  std::vector<ListenerRow> listeners_;
  ConnectionTable connections_;  // by id, no heap node per connection (issue 14)
  EndOfTurn endOfTurn_;
  std::vector<std::uint64_t> readAgain_;  // read budget spent: resume next turn
  std::vector<std::uint64_t> movingToFirstThread_;  // io_uring: moveWaitingConnections()
  std::vector<std::uint64_t> readAgainNow_;
  std::vector<std::uint64_t> clusterParked_;  // --cluster: PINGs waiting for Redis (resumeConfirmed)
  std::vector<std::uint64_t> clusterParkedNow_;
  std::vector<char> scratch_;             // one wrapped line, max-line + 1 bytes
  std::vector<PendingConnection> handOffs_;  // reused
  std::size_t nextThread_ = 0;            // round-robin over threads for new connections
  std::size_t maxConns_;
  std::uint64_t nextId_ = kFirstConnectionId;
  double now_ = 0;
  double nextCron_ = 0;
  double busyUntil_ = 0;  // --busy-poll-us: poll without sleeping until then
  bool stopping_ = false;
  bool readingStopped_ = false;  // shutting down with other threads: no more input
  bool othersTaken_ = false;     // this turn already took the other threads' messages
  std::atomic<bool> stopRequested_{false};
  std::atomic<bool> reloadRequested_{false};
  std::uint64_t turns_ = 0;
  std::uint64_t lastTurnWriteCalls_ = 0;
  std::uint64_t lastTurnFlushes_ = 0;
  std::size_t fanoutBudget_ = Connection::kFanoutBudget;
  std::unique_ptr<UringLoop, UringLoopDeleter> uring_;  // null: epoll
  // --cluster: the hub every thread hands its messages to (null: none), and
  // on thread 0 the backplane, declared after the reactor it registers with.
  ClusterHub* clusterHub_ = nullptr;
  std::unique_ptr<Backplane> backplane_;
};

}  // namespace linecast
