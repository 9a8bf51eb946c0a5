#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "auth/permissions.h"
#include "net/close_reason.h"
#include "net/peer_address.h"
#include "net/recent_time.h"
#include "net/ring_buffer.h"
#include "net/session.h"
#include "net/transport.h"
#include "routing/router.h"
#include "util/string_hash.h"

namespace linecast {

class Connection;
struct UringSlot;

// Work a reactor turn collects and does once, at its end: connections with
// output to write, and connections to close. Fan-out only adds to these
// lists, so nothing is written or destroyed in the middle of a dispatch.
struct EndOfTurn {
  std::vector<Connection*> flush;
  std::vector<Connection*> close;
  // The thread's spare ring blocks, one for input and one for output: a
  // connection with no block takes the spare one, and gives an emptied
  // block back when the spare slot is free (epoll only; see
  // Connection::borrowInputBlock). So a connection holds a block only while
  // bytes wait in it, and 10,000 connections that each sent CONNECT and
  // got CONNACK hold none, while busy ones cycle blocks without allocating.
  RingBuffer spareInput;
  RingBuffer spareOutput;
  // writev()/send calls of this thread's connections, for tests of batching
  // (Server::lastTurnWriteCalls).
  std::uint64_t writeCalls = 0;
};

// One client socket with its input and output rings and its protocol's
// Session. The Server owns every Connection; a Connection owns its file
// descriptor and closes it when destroyed, and its Session.
class Connection : public Subscriber {
 public:
  enum class State : std::uint8_t {
    kOpen,      // reading and writing
    kDraining,   // no more input is processed; close once output is written
    kLingering,  // output written and FIN sent; unread input is discarded
                 // until the peer closes, so the kernel does not answer
                 // our last line with a reset
    kClosing,    // waiting for the end of the turn to be closed
  };

  Connection(int fd, std::uint64_t id, const PeerAddress& peer, std::size_t maxLine,
             std::size_t maxOutbuf, EndOfTurn& endOfTurn, double now);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  int fd() const { return fd_; }
  std::uint64_t id() const { return id_; }
  // "127.0.0.1:5000" or "[::1]:5000", formatted from the packed address
  // on each call: logs and CLIENT LIST, never per message.
  std::string peer() const { return peerAddress().format(); }
  PeerAddress peerAddress() const { return PeerAddress{peerBytes_, peerV6_}; }
  State state() const { return state_; }
  bool open() const { return state_ == State::kOpen; }
  CloseReason reason() const { return reason_; }

  RingBuffer& input() { return input_; }
  RingBuffer& output() { return output_; }
  const RingBuffer& input() const { return input_; }
  const RingBuffer& output() const { return output_; }

  Transport& transport() { return *transport_; }
  // A transport with state (TLS); the default is the shared plain socket.
  void setTransport(std::unique_ptr<Transport> transport) {
    extras().ownedTransport = std::move(transport);
    transport_ = extras_->ownedTransport.get();
  }
  // The transport the connection owned (null: the shared plain socket),
  // given up to be stacked on (MQTT over WebSocket) or moved with the
  // connection; the connection then has the plain socket.
  std::unique_ptr<Transport> releaseTransport() {
    transport_ = &PlainTransport::instance();
    return extras_ ? std::move(extras_->ownedTransport) : nullptr;
  }
  // The socket leaves this Connection open, for another thread to adopt.
  int releaseFd() { return std::exchange(fd_, -1); }
  // io_uring: the ring to send from (the output, or the transport's form
  // of it), and the same ring when the send completes.
  RingBuffer& sealOutput() { return transport_->seal(output_); }
  RingBuffer& wireOutput() { return transport_->wire(output_); }

  Session& session() { return *session_; }
  const Session& session() const { return *session_; }
  void setSession(std::unique_ptr<Session> session) {
    session_ = std::move(session);
    routeLine_ = session_->framesAsRouteLine();
  }
  // A switch of protocol at the end of a request (HTTP's upgrade to
  // WebSocket, an event stream): the session that asked is still running,
  // so the Server installs `next` once its onInput returns (takeUpgrade)
  // and hands it the bytes that followed the request.
  void upgradeSession(std::unique_ptr<Session> next) { extras().nextSession = std::move(next); }
  std::unique_ptr<Session> takeUpgrade() { return extras_ ? std::move(extras_->nextSession) : nullptr; }
  // Session::framesAsRouteLine() of its session, kept here because the
  // fan-out reads it for every delivery.
  bool framesAsRouteLine() const { return routeLine_; }

  // Queues one outgoing frame made of the given pieces (string_views or
  // chars). Returns false when the connection is closing or when its
  // pending output would pass --max-outbuf; in that case the connection is
  // cut as a slow consumer and its backlog dropped.
  template <class... Pieces>
  bool queue(const Pieces&... pieces);
  // queue() for a reply to the client's own request, which a protocol may
  // have switched off (repliesOff: Redis's CLIENT REPLY OFF/SKIP); pushes
  // (messages, subscription notices) use queue() and always go out.
  template <class... Pieces>
  bool queueReply(const Pieces&... pieces) {
    return repliesOff || queue(pieces...);
  }

  // Flush at the end of this turn although nothing was queued (a
  // transport's own bytes: a TLS handshake flight).
  void requestFlush() { markForFlush(); }

  // A fatal protocol error: the given line is queued, input stops, and the
  // connection closes once its output is written.
  void fail(CloseReason reason, std::string_view errorLine);
  // Stop reading; close when the output is written (QUIT, EOF, shutdown).
  void drain(CloseReason reason);
  // Close at the end of this turn, dropping pending output.
  void abort(CloseReason reason);

  enum class ReadResult { kDrained, kMore, kEof, kError };
  // One read into the input ring. kDrained: the socket is empty for now;
  // kMore: the read filled the ring's free space, so more may wait.
  // `hangup` says the kernel reported the peer's FIN, so a short read does
  // not prove the socket empty: EOF must still be read.
  ReadResult readSocket(bool hangup, std::size_t& bytesRead);
  // Lingering: reads and drops input until EAGAIN, within a budget.
  enum class DiscardResult { kDrained, kBudgetSpent, kPeerGone };
  DiscardResult discardInput();
  // Output is written: half-close and wait (bounded) for the peer's FIN.
  void startLingering();

  // Appends bytes received without readSocket (the io_uring backend copies
  // them out of its provided buffers). False when they do not fit, which
  // the parser's bound on a pending line rules out.
  bool absorbInput(const char* data, std::size_t n);

  enum class WriteResult { kDone, kPending, kError };
  // Writes the output ring with writev over its two spans.
  WriteResult writeSocket(std::size_t& bytesWritten);
  // A send of the output (io_uring's counts here too).
  void countWriteCall() { ++endOfTurn_.writeCalls; }
  // The bytes written so far end with a whole frame: a line written now
  // (the slow-consumer error) cannot land inside one.
  bool atFrameBoundary() const { return !outputTorn_; }

  // The most unparsed input the protocol may leave in the ring (by default
  // one line: max-line + 2); the ring is sized so a read always has room.
  void setMaxPending(std::size_t bytes) {
    maxPending_ = static_cast<std::uint32_t>(std::min<std::size_t>(bytes, UINT32_MAX));
  }

  // Gives back empty ring blocks of an idle connection.
  void releaseIdleBuffers();
  // EndOfTurn's spare blocks: before a read, a connection without an input
  // block takes the spare one; after it, and after a write that emptied
  // the output, an empty block goes back to a free spare slot. Not under
  // io_uring, whose recvs land in its own buffers and whose sends pin the
  // output block.
  void borrowInputBlock() {
    if (input_.capacity() == 0 && endOfTurn_.spareInput.capacity() > 0) input_ = std::move(endOfTurn_.spareInput);
  }
  void returnEmptyInput() { giveBack(input_, endOfTurn_.spareInput); }
  // An emptied output block whose spare slot is taken (many connections
  // answered in one turn: a burst of CONNECTs) goes back to the allocator
  // at once during a connection's first kQuietWrites writes since it was
  // last idle, so a burst leaves no block per connection until the idle
  // release, nor holes where those blocks were. From then on the
  // connection is a stream and keeps its block (no allocation per flush).
  void returnEmptyOutput() {
    giveBack(output_, endOfTurn_.spareOutput);
    if (writesSinceIdle_ < kQuietWrites) {
      ++writesSinceIdle_;
      output_.releaseIfEmpty();
    }
  }

  // What the connection's user may do; null: everything (the token, or no
  // authentication configured). `user` names it in the log.
  const Permissions* permissions() const { return permissions_.get(); }
  // The same, for a holder that outlives the connection (an MQTT session).
  const std::shared_ptr<const Permissions>& sharedPermissions() const { return permissions_; }
  const std::string& user() const { return extras_ ? extras_->user : noUser(); }
  void setPermissions(std::shared_ptr<const Permissions> permissions, std::string user) {
    permissions_ = std::move(permissions);
    if (extras_ || !user.empty()) extras().user = std::move(user);
    publishAllowedRoute_ = kNoRoute;
  }
  // The route (PublishRoute::serial) of the last channel a PUB was allowed
  // to: a publisher sends to few channels, so the check costs one integer
  // compare per message, not a pattern walk or a name compare.
  bool publishAllowedOn(std::uint64_t routeSerial) const { return routeSerial == publishAllowedRoute_; }
  void rememberPublishAllowed(std::uint64_t routeSerial) { publishAllowedRoute_ = routeSerial; }
  // deny_subscribe: no delivery on the channel (the routes leave the
  // connection out of their subscriber lists).
  bool deniesDelivery(std::string_view channel) const {
    return permissions_ != nullptr && !permissions_->denySubscribe.empty() &&
           permissions_->deniesDelivery(channel);
  }

  // Subscriptions (line protocol, RESP, WebSocket, SSE), kept here to make
  // SUB idempotent, count --max-subs and clean up on close; the Router holds
  // the matching index. Reading them makes nothing; editPatterns() makes
  // the connection's Extras.
  using PatternSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  const PatternSet& patterns() const { return extras_ ? extras_->patterns : noPatterns(); }
  PatternSet& editPatterns() { return extras().patterns; }

  // A JWT's exp (with its leeway) on the monotonic clock; 0: the
  // credentials never expire.
  double credentialsExpire() const { return extras_ ? extras_->credentialsExpire : 0; }
  void setCredentialsExpire(double at) {
    if (extras_ || at != 0) extras().credentialsExpire = at;
  }
  // --cluster: the batch of interest changes (ClusterOutbox::mark) its last
  // SUB needs confirmed by Redis before a PING is answered (0: none).
  std::uint64_t clusterNeed() const { return extras_ ? extras_->clusterNeed : 0; }
  void setClusterNeed(std::uint64_t batch) {
    if (extras_ || batch != 0) extras().clusterNeed = batch;
  }

  // When the connection was opened (or, RESP's AUTH/HELLO, its session
  // renewed): --auth-timeout and CLIENT LIST's age. A double, unlike the
  // other times, so a connection's age reads right however old it is.
  double openedAt;

  // The last read or write: the idle buffer release, idle timeouts and
  // CLIENT LIST's idle (which reads RecentTime::kMaxAge at most).
  void markActive(double now) { lastActive_ = RecentTime(now); }
  double idleSeconds(double now) const { return lastActive_.secondsBefore(now); }
  // Unparsed bytes wait in the input (a partial line or request) since
  // `now`, for the read timeouts; cleared once none waits.
  void notePartial(bool waiting, double now) {
    partialWaiting_ = waiting;
    if (waiting) partialSince_ = RecentTime(now);
  }
  void clearPartial() { partialWaiting_ = false; }
  bool partialWaiting() const { return partialWaiting_; }
  double partialSeconds(double now) const { return partialSince_.secondsBefore(now); }
  // kDraining/kLingering: cut at the drain deadline; none until the first
  // flush stamps one. tightenDrainDeadline sets it, or moves it earlier
  // when one is set (never later); at most RecentTime::kMaxAge ahead.
  bool hasDrainDeadline() const { return drainDeadlineSet_; }
  void tightenDrainDeadline(double at, double now) {
    if (at - now > RecentTime::kMaxAge) at = now + RecentTime::kMaxAge;
    RecentTime deadline(at);
    if (!drainDeadlineSet_ || deadline.secondsBefore(now) > drainDeadline_.secondsBefore(now)) {
      drainDeadline_ = deadline;
      drainDeadlineSet_ = true;
    }
  }
  bool drainDeadlinePassed(double now) const {
    return drainDeadlineSet_ && drainDeadline_.secondsBefore(now) >= 0;
  }
  // The cron (every 0.1 s): keeps the 32-bit times from wrapping (see
  // RecentTime).
  void ageTimes(double now) {
    lastActive_.age(now);
    partialSince_.age(now);
  }

  // The fan-out budget: what this connection's publishes queued for
  // subscribers in this turn. Past the thread's budget (Server's
  // fanoutBudget_, the same for all its connections) its protocol stops
  // executing and leaves the rest of its input for the next turn
  // (inputWaiting), so one turn's work is bounded by what it appends, not by
  // what it read: a 32-byte PUB to 10,000 subscribers appends 300 KB.
  // 64 MiB measured best at 1->10,000 (bench/README, "Broadcast").
  static constexpr std::size_t kFanoutBudget = 64 * 1024 * 1024;
  // A delivery to `subscribers` is charged its bytes times up to 16 while
  // the fan-out is small, so a turn appends at most max(4 MiB, 32 KiB per
  // subscriber) of the 64 MiB: what a turn appends is still in the cache
  // when the flush sends it (1->100 64 B: 17 -> 22-32 M msgs/s), and a
  // broadcast to thousands still sends each subscriber a few KB per turn.
  static constexpr std::size_t fanoutCharge(std::size_t subscribers, std::size_t bytesEach) {
    std::size_t scale = subscribers >= 2048 ? 1 : std::min<std::size_t>(16, 2048 / subscribers);
    return subscribers * bytesEach * scale;
  }
  void chargeFanout(std::size_t subscribers, std::size_t bytesEach) {
    fanoutLeft -= static_cast<std::int64_t>(fanoutCharge(subscribers, bytesEach));
  }
  bool fanoutSpent() const { return fanoutLeft <= 0; }
  // The io_uring backend's state for it (null under epoll).
  UringSlot* uringSlot = nullptr;
  // io_uring: output bytes of the send in the kernel (0 under epoll); kept
  // in the UringSlot, which only io_uring connections have.
  std::size_t outputInFlight() const;

  // The data members, in an order that leaves no padding (issue 14: an
  // idle MQTT connection's bytes; docs/notes-mqtt-compact.md, step 4).
  // Flags are bit-fields: set and read them as bools, never by reference.
  std::uint16_t listener = 0;   // the row of the listener that accepted it
  bool detecting : 1 = false;   // the first byte may still pick another protocol
  bool tlsPossible : 1 = false;  // the first byte picks the transport: 0x16 is TLS
  bool plaintextRefused : 1 = false;  // --tls-required: refuse once the protocol is known
  bool tlsIdentity : 1 = false;  // TLS: look at the client certificate before the first byte runs
  bool authenticated : 1 = false;
  // The HTTP session answered an upgrade to MQTT over WebSocket: the Server
  // stacks the framing on the transport and hands the connection to MQTT
  // (on thread 0) once that session's onInput returns.
  bool becomesMqttOverWebSocket : 1 = false;
  // io_uring, not thread 0: it waits for its recv and send in the kernel to
  // end, then moves to thread 0; received bytes only collect meanwhile.
  bool movingToFirstThread : 1 = false;
  bool repliesOff : 1 = false;  // queueReply() drops what it is given
  // --cluster: input is parked on a PING (inputWaiting too) until Redis
  // confirmed clusterNeed(). Read per line, so not among the Extras.
  bool clusterParked : 1 = false;
  bool flushQueued : 1 = false;    // already in EndOfTurn::flush
  bool readQueued : 1 = false;     // read budget spent: resume next turn
  bool wantsWritable : 1 = false;  // EPOLLOUT is registered
  bool socketFull : 1 = false;     // the last write stopped short: wait for EPOLLOUT
  bool refusedNameLogged : 1 = false;  // logRefusedName() said it at info once
  bool inputWaiting : 1 = false;   // complete requests wait in the input ring
  bool peerEnded : 1 = false;      // EOF came while input waited: drain after it

 private:
  bool lastReadFilled_ : 1 = false;
  bool outputTorn_ : 1 = false;  // the last write stopped inside a frame
  bool routeLine_ : 1 = false;   // session_->framesAsRouteLine(), read per delivery
  bool partialWaiting_ : 1 = false;    // partialSince_ holds a time
  bool drainDeadlineSet_ : 1 = false;  // drainDeadline_ holds a time
  // Writes that emptied the output since the last idle release, up to
  // kQuietWrites (returnEmptyOutput). 4: an MQTT subscriber's CONNACK,
  // SUBACK and first message, a Redis client's first replies.
  static constexpr std::uint8_t kQuietWrites = 4;
  std::uint8_t writesSinceIdle_ : 3 = 0;
  // State and reason in one byte with the peer's family, so the packed
  // peer address fills the 18 bytes up to fd_ (issue 14, step 12).
  State state_ : 2 = State::kOpen;
  CloseReason reason_ : 5 = CloseReason::kNone;
  bool peerV6_ : 1 = false;  // peerBytes_ is IPv6 (PeerAddress::v6)
  PeerAddress::Bytes peerBytes_;
  int fd_;

 public:
  // The turn fanoutLeft counts (the Server's turn number, truncated: a
  // connection silent for exactly 2^32 turns keeps a spent budget for one
  // turn at most).
  std::uint32_t fanoutTurn = 0;

 private:
  std::uint64_t id_;
  RecentTime partialSince_;  // when unparsed bytes waited (partialWaiting_)
  RecentTime drainDeadline_;  // drainDeadlineSet_
  RecentTime lastActive_;
  // The most unparsed input (setMaxPending), at most 4 GiB: past any limit
  // a protocol sets.
  std::uint32_t maxPending_;
  std::size_t maxOutbuf_;

 public:
  // What is left of the fan-out budget in this turn: one signed counter, so
  // the check per line is one load (it is on the hot path).
  std::int64_t fanoutLeft = static_cast<std::int64_t>(kFanoutBudget);

 private:
  void markForFlush() {
    if (!flushQueued) {
      flushQueued = true;
      endOfTurn_.flush.push_back(this);
    }
  }
  bool reserveOutput(std::size_t bytes);
  // queue() when the frame does not fit the block as it is: makes room
  // (growing, within --max-outbuf; false: cut as a slow consumer), then
  // copies the pieces in.
  bool queueSlow(std::span<const std::string_view> pieces);
  static void giveBack(RingBuffer& ring, RingBuffer& spare) {
    if (ring.empty() && ring.capacity() > 0 && spare.capacity() == 0) spare = std::move(ring);
  }

  // Route serials count up from 1; 0 is the uncached route of a channel too
  // long to cache, never remembered.
  static constexpr std::uint64_t kNoRoute = ~std::uint64_t{0};
  std::uint64_t publishAllowedRoute_ = kNoRoute;
  EndOfTurn& endOfTurn_;
  RingBuffer input_;
  RingBuffer output_;
  // What few connections use, made on first use, so a connection without
  // any (an idle MQTT subscriber: issue 14) carries one null pointer
  // instead of 120 bytes. Declared after session_, so a transport or an
  // upgrade is destroyed before the session, as when they were members.
  struct Extras {
    PatternSet patterns;
    std::string user;  // who setPermissions() said; empty: none
    std::unique_ptr<Session> nextSession;  // upgradeSession()
    std::unique_ptr<Transport> ownedTransport;  // setTransport()
    std::uint64_t clusterNeed = 0;
    double credentialsExpire = 0;
  };
  Extras& extras() {
    if (!extras_) extras_ = std::make_unique<Extras>();
    return *extras_;
  }
  static const PatternSet& noPatterns() {
    static const PatternSet none;
    return none;
  }
  static const std::string& noUser() {
    static const std::string none;
    return none;
  }

  std::unique_ptr<Session> session_;
  Transport* transport_ = &PlainTransport::instance();
  std::unique_ptr<Extras> extras_;
  std::shared_ptr<const Permissions> permissions_;
};

namespace detail {
inline std::size_t pieceSize(std::string_view s) { return s.size(); }
inline std::size_t pieceSize(char) { return 1; }
inline std::string_view pieceView(std::string_view s) { return s; }
inline std::string_view pieceView(const char& c) { return std::string_view(&c, 1); }
}  // namespace detail

namespace detail {
inline char* copyPiece(char* out, std::string_view s) {
  if (!s.empty()) std::memcpy(out, s.data(), s.size());  // data() may be null
  return out + s.size();
}
inline char* copyPiece(char* out, char c) {
  *out = c;
  return out + 1;
}
}  // namespace detail

// Inlined into every delivery: the frame fits the output block in one piece
// (the common case), so it is claimed and copied straight in; anything else
// (no block, growth, the limit, a wrap) goes to queueSlow, out of line and
// not a template, so what is inlined stays small. Always inlined: g++ 12's
// heuristics otherwise made it a call in the fan-out loop (Broker::
// deliverLocal), +34 instructions per message under tools/callgrind.sh.
template <class... Pieces>
[[gnu::always_inline]] inline bool Connection::queue(const Pieces&... pieces) {
  // state(), not state_: in a template g++ 12 reads an enum bit-field as
  // its underlying type.
  if (state() != State::kOpen && state() != State::kDraining) return false;
  std::size_t bytes = (detail::pieceSize(pieces) + ...);
  if (char* out = output_.claimContiguous(bytes, maxOutbuf_)) [[likely]] {
    ((out = detail::copyPiece(out, pieces)), ...);
    markForFlush();
    return true;
  }
  const std::string_view parts[] = {detail::pieceView(pieces)...};
  return queueSlow(parts);
}

}  // namespace linecast
