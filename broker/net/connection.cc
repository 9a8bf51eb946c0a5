#include "net/connection.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#if LINECAST_IO_URING
#include "net/uring_loop.h"
#endif

namespace linecast {
namespace {

// The largest single read; the input ring grows towards it while reads keep
// filling it, so a fast publisher makes few syscalls and an idle one holds
// no big block.
constexpr std::size_t kMaxReadChunk = 64 * 1024;

}  // namespace

Connection::Connection(int fd, std::uint64_t id, const PeerAddress& peer, std::size_t maxLine,
                       std::size_t maxOutbuf, EndOfTurn& endOfTurn, double now)
    : openedAt(now),
      peerV6_(peer.v6),
      peerBytes_(peer.bytes),
      fd_(fd),
      id_(id),
      lastActive_(now),
      maxOutbuf_(maxOutbuf),
      endOfTurn_(endOfTurn) {
  setMaxPending(maxLine + 2);
}

#if defined(__GLIBCXX__) && __SIZEOF_POINTER__ == 8
// Issue 14: an idle MQTT connection's chunk is sizeof + 8 rounded to 16, so
// 168 B take a 176-byte chunk and 8 more a 192-byte one (the rings are one
// pointer each since step 5, the peer a packed address since step 12). A
// member added here belongs in Extras unless every connection needs it.
static_assert(sizeof(Connection) <= 168, "Connection outgrew its 176-byte heap chunk");
#endif
// state_ and reason_ are bit-fields of 2 and 5 bits.
static_assert(static_cast<int>(Connection::State::kClosing) < 4);
static_assert(static_cast<int>(CloseReason::kMovedThread) < 32,
              "CloseReason outgrew Connection::reason_'s 5 bits");

std::size_t Connection::outputInFlight() const {
#if LINECAST_IO_URING
  return uringSlot != nullptr ? uringSlot->outputInFlight : 0;
#else
  return 0;
#endif
}

Connection::~Connection() {
  if (fd_ >= 0) ::close(fd_);
}

bool Connection::reserveOutput(std::size_t bytes) {
  // Bytes an io_uring send has handed to the kernel count as written, as
  // epoll's written bytes do, until the Server consumes its completion: the
  // next message can be queued first (other threads' messages go before a
  // turn's events), although the reader has read them all (seen: a reader
  // that kept up cut at --max-outbuf = --max-line + 512, io_uring with two
  // threads). So a ring holds at most --max-outbuf plus one send in flight.
  std::size_t inFlight = outputInFlight();
  std::size_t pending = output_.size() - inFlight;
  // An empty backlog always takes the next frame, however large, so one big
  // message never cuts a reader that keeps up.
  if (pending > 0 && pending + bytes > maxOutbuf_) {
    abort(CloseReason::kSlowConsumer);
    return false;
  }
  // The spare is filled under epoll only, where no send pins a block.
  if (output_.capacity() == 0 && endOfTurn_.spareOutput.capacity() > 0) output_ = std::move(endOfTurn_.spareOutput);
  output_.reserve(bytes, std::max(maxOutbuf_ + inFlight, output_.size() + bytes));
  return true;
}

bool Connection::queueSlow(std::span<const std::string_view> pieces) {
  std::size_t bytes = 0;
  for (std::string_view piece : pieces) bytes += piece.size();
  std::size_t pending = output_.size();
  bool fits = pending + bytes <= output_.capacity() && pending + bytes <= maxOutbuf_;
  if (!fits && !reserveOutput(bytes)) return false;
  // The limit was applied above (an empty backlog takes any frame).
  if (char* out = output_.claimContiguous(bytes, SIZE_MAX)) {
    for (std::string_view piece : pieces) out = detail::copyPiece(out, piece);
  } else {  // the free space wraps
    for (std::string_view piece : pieces) output_.append(piece);
  }
  markForFlush();
  return true;
}

void Connection::fail(CloseReason reason, std::string_view errorLine) {
  if (state_ != State::kOpen) return;
  queue(errorLine);
  if (state_ == State::kOpen) drain(reason);
}

void Connection::drain(CloseReason reason) {
  if (state_ != State::kOpen) return;
  state_ = State::kDraining;
  reason_ = reason;
  input_.clear();  // never parsed again: the session's parser state is moot
  inputWaiting = false;
  clearPartial();
  markForFlush();  // the end of the turn closes it once the output is out
}

void Connection::abort(CloseReason reason) {
  if (state_ == State::kClosing) return;
  state_ = State::kClosing;
  if (reason_ == CloseReason::kNone || reason == CloseReason::kSlowConsumer) reason_ = reason;
  output_.clear();
  input_.clear();
  endOfTurn_.close.push_back(this);
}

Connection::ReadResult Connection::readSocket(bool hangup, std::size_t& bytesRead) {
  bytesRead = 0;
  const std::size_t maxInput = maxPending_ + kMaxReadChunk;
  if (input_.capacity() == 0 || lastReadFilled_ || input_.freeSpace() < input_.capacity() / 4) {
    // A read that filled the ring means the socket holds more: ask for
    // twice the block. (Asking for the block's own size grows nothing when
    // the lines consumed it exactly, and a stream of 32-byte PUBs then cost
    // one readv per 16 messages, for good.)
    std::size_t want = input_.capacity() == 0 ? RingBuffer::kMinCapacity * 2
                       : lastReadFilled_     ? input_.capacity() * 2
                                             : input_.capacity();
    input_.reserve(std::min(want, kMaxReadChunk), maxInput);
  }
  auto spans = input_.writableSpans();
  iovec iov[2] = {{spans[0].data(), spans[0].size()}, {spans[1].data(), spans[1].size()}};
  std::size_t room = spans[0].size() + spans[1].size();
  if (room == 0) return ReadResult::kMore;  // cannot happen: the parser bounds a line
  for (;;) {
    ssize_t n = transport_->receive(fd_, iov, spans[1].empty() ? 1 : 2);
    if (n > 0) {
      input_.commit(static_cast<std::size_t>(n));
      bytesRead = static_cast<std::size_t>(n);
      lastReadFilled_ = bytesRead == room;
      // With EPOLLET a short read means the socket was empty: a byte that
      // arrives later raises a new edge, so we skip the read that would only
      // say EAGAIN. After a FIN no edge follows, so then read on to EOF.
      // A transport whose stream ended inside it (a WebSocket close) has
      // its EOF to give, and no edge will come for it either.
      return lastReadFilled_ || hangup || transport_->streamEnded() ? ReadResult::kMore
                                                                    : ReadResult::kDrained;
    }
    if (n == 0) return ReadResult::kEof;
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return ReadResult::kDrained;
    return ReadResult::kError;
  }
}

bool Connection::absorbInput(const char* data, std::size_t n) {
  // While input waits (fan-out budget), the recvs already completed when
  // the Server paused the kernel's reading still arrive: at most one turn's
  // batch (64 buffers of 4 KiB).
  std::size_t slack = inputWaiting ? 4 * kMaxReadChunk : 0;
  return transport_->absorb(std::string_view(data, n), input_,
                            maxPending_ + std::max(n, kMaxReadChunk) + slack);
}

Connection::DiscardResult Connection::discardInput() {
  char sink[16384];
  iovec iov{sink, sizeof sink};
  for (int i = 0; i < 16; ++i) {
    ssize_t n = transport_->receive(fd_, &iov, 1);
    if (n > 0) continue;
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return DiscardResult::kDrained;
    return DiscardResult::kPeerGone;
  }
  return DiscardResult::kBudgetSpent;
}

void Connection::startLingering() {
  state_ = State::kLingering;
  transport_->shutdownWrite(fd_);
}

Connection::WriteResult Connection::writeSocket(std::size_t& bytesWritten) {
  bytesWritten = 0;
  // A transport may hold frames of its own after the output is out (MQTT
  // over WebSocket: a frame the socket took part of, a pong, a close).
  while (!output_.empty() || transport_->pendingWire()) {
    auto spans = output_.readableSpans();
    iovec iov[2] = {{const_cast<char*>(spans[0].data()), spans[0].size()},
                    {const_cast<char*>(spans[1].data()), spans[1].size()}};
    std::size_t total = spans[0].size() + spans[1].size();
    countWriteCall();
    ssize_t n = transport_->send(fd_, iov, spans[1].empty() ? 1 : 2);
    if (n >= 0) {
      // A write that took everything ends where a frame ends (a WebSocket
      // frame need not end in '\n'); a partial one where its last byte says.
      if (n > 0) outputTorn_ = static_cast<std::size_t>(n) < total && output_.at(n - 1) != '\n';
      output_.consume(static_cast<std::size_t>(n));
      bytesWritten += static_cast<std::size_t>(n);
      if (static_cast<std::size_t>(n) < total) return WriteResult::kPending;  // socket full
      if (total == 0) return transport_->pendingWire() ? WriteResult::kPending : WriteResult::kDone;
      continue;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK) return WriteResult::kPending;
    return WriteResult::kError;
  }
  return WriteResult::kDone;
}

void Connection::releaseIdleBuffers() {
  input_.releaseIfEmpty();
  output_.releaseIfEmpty();
  writesSinceIdle_ = 0;
  transport_->releaseIdleBuffers();
}

}  // namespace linecast
