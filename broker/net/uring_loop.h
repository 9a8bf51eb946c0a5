#pragma once

#include <liburing.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "util/log.h"
#include "net/ring_buffer.h"

namespace linecast {

class Connection;

// The io_uring backend's state for one connection (Connection::uringSlot).
// Every SQE of the connection carries the slot's address, so a slot lives
// until its last operation has completed, which may be after the Server
// destroyed the Connection: the slot's pin then keeps the output block an
// unfinished send still reads.
struct UringSlot {
  Connection* conn;  // null once the Server destroyed the connection
  int fd;
  bool recvArmed = false;     // a multishot recv is in the kernel
  bool recvPaused = false;    // pauseRecv(): not re-armed until resumeRecv()
  bool sendInFlight = false;  // a sendmsg over the output ring is in the kernel
  bool awaitingWritable = false;  // that sendmsg said EAGAIN: a POLLOUT poll is armed
  bool rearmQueued = false;   // in UringLoop::rearm_
  bool torn = false;          // the bytes sent so far end inside a frame
  std::size_t sending = 0;    // bytes the send in flight was given
  // Of those, the bytes of the connection's own output ring (0 when the
  // send is a transport's ring): Connection::outputInFlight().
  std::size_t outputInFlight = 0;
  // The block the send in flight reads (the output ring's, or the
  // transport's), kept alive by the pin when the ring regrows or the
  // connection is destroyed meanwhile; reset when the send completes.
  RingPin outputPin;
  iovec iov[2]{};
  msghdr msg{};
};

// What a completion means for the Server. Completions of destroyed
// connections and of cancellations never get here.
struct UringEvent {
  enum class Kind {
    kAccept,     // result: the new descriptor, or -errno (the multishot ended)
    kListenerReady,  // awaitListener(): connections wait in the queue
    kWake,       // the wake eventfd was written
    kData,       // data/size: bytes received (valid during the call only)
    kRecvEnded,  // result: 0 at EOF, or -errno; the recv is not re-armed
    kSent,       // result: bytes sent, or -errno
    kEpollReady,  // watchEpoll(): the epoll descriptor has events
  };
  Kind kind;
  std::uint64_t key = 0;       // kAccept: the listener's key
  Connection* conn = nullptr;  // kData, kRecvEnded, kSent
  int result = 0;
  const char* data = nullptr;
  std::size_t size = 0;
};

// One io_uring for one Server (so one per thread with one Server per
// thread): multishot accept per listener, multishot recv per connection
// into a ring of provided buffers, at most one sendmsg in flight per
// connection, and a read on the wake eventfd. Work prepared during a turn
// is submitted by submit() at its end, in one io_uring_enter; poll() waits
// only when no completion is ready.
class UringLoop {
 public:
  // Throws std::system_error when the kernel refuses io_uring or provided
  // buffer rings.
  UringLoop();
  // Cancels what is still in flight and waits (bounded) for it, so that no
  // send reads freed memory.
  ~UringLoop();
  UringLoop(const UringLoop&) = delete;
  UringLoop& operator=(const UringLoop&) = delete;

  // Arms a multishot accept on a listening socket unless one is armed.
  void accept(int listenFd, std::uint64_t key);
  // Out of descriptors, a multishot accept fails at once, queue or not:
  // this waits for a connection instead (one poll), and accept() re-arms
  // once the Server has dealt with it.
  void awaitListener(int listenFd, std::uint64_t key);
  void stopAccepting(std::uint64_t key);
  void watchWake(int eventFd);
  // Descriptors that are not connections (hiredis's, --cluster) stay with
  // an epoll Reactor, level-triggered as they were: this waits for that
  // epoll descriptor to be readable, once per call (the Server re-arms it
  // after taking the events, so events left unread complete it at once).
  void watchEpoll(int epollFd);

  // A new connection: creates its slot and arms its recv.
  void attach(Connection& conn);
  // Prepares one sendmsg over the output ring's readable spans, unless one
  // is in flight already. The ring is pinned and consumed on completion.
  void send(Connection& conn);
  bool sendInFlight(const Connection& conn) const;
  // Nothing of the connection's is in the kernel: no recv armed (a paused
  // one's cancellation completed), no send, no wait for writability.
  bool idle(const Connection& conn) const;
  // Whether the bytes the kernel has sent or may still send end on a frame
  // boundary: no send in flight and the last one was not short.
  bool atFrameBoundary(const Connection& conn) const;
  // Stops reading the connection (its input waits to be run): cancels the
  // multishot recv; bytes the kernel already received still arrive.
  void pauseRecv(Connection& conn);
  // Reads it again.
  void resumeRecv(Connection& conn);
  // The connection is about to be destroyed: cancels its operations; a
  // send in flight takes the output ring along into the slot.
  void detach(Connection& conn);

  // Re-arms the recvs that ended for want of buffers, and submits.
  void submit();

  // Waits up to timeoutMs for completions (not at all if some are ready)
  // and hands each to onEvent(const UringEvent&).
  template <class OnEvent>
  void poll(int timeoutMs, OnEvent&& onEvent);

 private:
  enum Op : std::uint64_t {
    kAcceptOp = 0,
    kWakeOp = 1,
    kRecvOp = 2,
    kSendOp = 3,
    kIgnoreOp = 4,
    kListenPollOp = 5,
    kWritablePollOp = 6,
    kEpollOp = 7,
  };
  static constexpr std::uint64_t kOpMask = 7;
  // Listener keys are below the Server's first connection id (16).
  static constexpr unsigned kMaxListeners = 16;
  static constexpr unsigned kBatch = 64;  // completions handled per turn

  io_uring_sqe* sqe();  // submits to make room when the SQ is full
  void armRecv(UringSlot& slot);
  void prepSend(UringSlot& slot);
  void awaitWritable(UringSlot& slot);
  void cancel(std::uint64_t userData);
  void returnBuffer(unsigned bid);
  void publishReturnedBuffers();
  void maybeFree(UringSlot* slot);
  void waitForCompletions(int timeoutMs);
  // Handles one CQE; fills `event` and returns true when the Server must see it.
  bool complete(const io_uring_cqe& cqe, UringEvent& event, unsigned& bufferToReturn);

  io_uring ring_{};
  io_uring_buf_ring* bufRing_ = nullptr;
  char* buffers_ = nullptr;
  std::size_t bufRingBytes_ = 0;
  unsigned returned_ = 0;  // buffers added to the ring, not yet published
  std::vector<UringSlot*> rearm_;
  bool acceptArmed_[kMaxListeners] = {};  // a multishot accept or a poll
  std::uint64_t acceptOp_[kMaxListeners] = {};  // which of the two
  int wakeFd_ = -1;
  std::uint64_t wakeValue_ = 0;
  std::size_t liveSlots_ = 0;
  std::size_t bufferShortages_ = 0;  // -ENOBUFS in this poll()  // slots not yet freed, attached or not
};

template <class OnEvent>
void UringLoop::poll(int timeoutMs, OnEvent&& onEvent) {
  if (io_uring_cq_ready(&ring_) == 0) waitForCompletions(timeoutMs);
  // A bounded batch per turn: the turn's output goes out before a flood of
  // input is read further. 64 recvs of 4 KiB are the epoll path's read
  // budget (256 KiB); with a fast publisher, 512 made 2 MiB turns.
  io_uring_cqe* cqes[kBatch];
  unsigned n = io_uring_peek_batch_cqe(&ring_, cqes, kBatch);
  for (unsigned i = 0; i < n; ++i) {
    UringEvent event{};
    unsigned bid = ~0u;
    if (complete(*cqes[i], event, bid)) onEvent(event);
    // The bytes are in the connection's input ring by now.
    if (bid != ~0u) returnBuffer(bid);
  }
  publishReturnedBuffers();
  io_uring_cq_advance(&ring_, n);
  if (bufferShortages_ > 0) {
    // Not an error: the recvs are re-armed at submit(). Worth knowing when
    // tuning kBufferCount.
    log(LogLevel::kDebug, "io_uring: {} recvs ran out of provided buffers; re-armed",
        bufferShortages_);
    bufferShortages_ = 0;
  }
}

}  // namespace linecast
