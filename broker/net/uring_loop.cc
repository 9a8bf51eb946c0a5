#include "net/uring_loop.h"

#include <poll.h>
#include <sys/mman.h>
#include <time.h>

#include <cerrno>
#include <system_error>

#include "net/connection.h"
#include "util/clock.h"

namespace linecast {
namespace {

constexpr unsigned kSqEntries = 1024;
// Room for a few turns of completions; the kernel keeps overflow anyway
// (IORING_FEAT_NODROP), this only avoids its slow path.
constexpr unsigned kCqEntries = 8192;
// Provided buffers: small, so that thousands of connections each holding a
// few bytes do not run the ring dry; a fast publisher gets 4 KiB per CQE,
// which costs a memcpy, not a syscall. 4 MiB per Server.
constexpr unsigned kBufferCount = 1024;
constexpr unsigned kBufferSize = 4096;
constexpr unsigned short kBufferGroup = 0;
// How long the destructor waits for cancelled operations to complete.
constexpr double kQuiesceSeconds = 2.0;

[[noreturn]] void fail(int err, const char* what) {
  throw std::system_error(err, std::generic_category(), what);
}

void* mapAnonymous(std::size_t bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? nullptr : p;
}

}  // namespace

UringLoop::UringLoop() {
  io_uring_params params{};
  // COOP_TASKRUN: completions are handed over when we enter the kernel
  // anyway, not by interrupting us. SUBMIT_ALL: one bad SQE does not hold
  // back the rest of the turn's submissions. No SINGLE_ISSUER: a Server may
  // be built on one thread and run on another.
  params.flags = IORING_SETUP_CQSIZE | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_SUBMIT_ALL;
  params.cq_entries = kCqEntries;
  int rc = io_uring_queue_init_params(kSqEntries, &ring_, &params);
  if (rc < 0) fail(-rc, "io_uring_setup (--io uring)");
  bufRingBytes_ = kBufferCount * sizeof(io_uring_buf);
  bufRing_ = static_cast<io_uring_buf_ring*>(mapAnonymous(bufRingBytes_));
  buffers_ = static_cast<char*>(mapAnonymous(std::size_t{kBufferCount} * kBufferSize));
  int err = ENOMEM;
  if (bufRing_ != nullptr && buffers_ != nullptr) {
    io_uring_buf_reg reg{};
    reg.ring_addr = reinterpret_cast<std::uint64_t>(bufRing_);
    reg.ring_entries = kBufferCount;
    reg.bgid = kBufferGroup;
    err = -io_uring_register_buf_ring(&ring_, &reg, 0);
  }
  if (err != 0) {
    if (bufRing_ != nullptr) ::munmap(bufRing_, bufRingBytes_);
    if (buffers_ != nullptr) ::munmap(buffers_, std::size_t{kBufferCount} * kBufferSize);
    io_uring_queue_exit(&ring_);
    fail(err, "io_uring provided buffer ring (--io uring needs Linux 5.19 or later)");
  }
  io_uring_buf_ring_init(bufRing_);
  for (unsigned i = 0; i < kBufferCount; ++i) returnBuffer(i);
  publishReturnedBuffers();
}

UringLoop::~UringLoop() {
  // The Server detached every connection; cancel whatever is still in the
  // kernel and wait for it, so no send reads a block we are about to free.
  io_uring_sqe* s = sqe();
  io_uring_prep_cancel64(s, 0, IORING_ASYNC_CANCEL_ANY | IORING_ASYNC_CANCEL_ALL);
  io_uring_sqe_set_data64(s, kIgnoreOp);
  submit();
  double deadline = monotonicSeconds() + kQuiesceSeconds;
  while (liveSlots_ > 0 && monotonicSeconds() < deadline) {
    poll(100, [](const UringEvent&) {});
    submit();
  }
  io_uring_unregister_buf_ring(&ring_, kBufferGroup);
  io_uring_queue_exit(&ring_);  // cancels the rest; slots left are leaked, never freed early
  ::munmap(bufRing_, bufRingBytes_);
  ::munmap(buffers_, std::size_t{kBufferCount} * kBufferSize);
}

io_uring_sqe* UringLoop::sqe() {
  io_uring_sqe* s = io_uring_get_sqe(&ring_);
  while (s == nullptr) {
    // The queue is full (a turn writing to more than kSqEntries
    // connections): submit what is there to make room.
    io_uring_submit(&ring_);
    s = io_uring_get_sqe(&ring_);
  }
  return s;
}

void UringLoop::accept(int listenFd, std::uint64_t key) {
  if (key >= kMaxListeners || acceptArmed_[key]) return;
  io_uring_sqe* s = sqe();
  // No address: with multishot one buffer would serve every accept; the
  // peer's address comes from getpeername() once per connection.
  io_uring_prep_multishot_accept(s, listenFd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
  io_uring_sqe_set_data64(s, (key << 3) | kAcceptOp);
  acceptArmed_[key] = true;
  acceptOp_[key] = kAcceptOp;
}

void UringLoop::awaitListener(int listenFd, std::uint64_t key) {
  if (key >= kMaxListeners || acceptArmed_[key]) return;
  io_uring_sqe* s = sqe();
  io_uring_prep_poll_add(s, listenFd, POLLIN);
  io_uring_sqe_set_data64(s, (key << 3) | kListenPollOp);
  acceptArmed_[key] = true;
  acceptOp_[key] = kListenPollOp;
}

void UringLoop::stopAccepting(std::uint64_t key) {
  if (key < kMaxListeners && acceptArmed_[key]) cancel((key << 3) | acceptOp_[key]);
}

void UringLoop::watchWake(int eventFd) {
  wakeFd_ = eventFd;
  io_uring_sqe* s = sqe();
  io_uring_prep_read(s, eventFd, &wakeValue_, sizeof wakeValue_, 0);
  io_uring_sqe_set_data64(s, kWakeOp);
}

void UringLoop::watchEpoll(int epollFd) {
  io_uring_sqe* s = sqe();
  io_uring_prep_poll_add(s, epollFd, POLLIN);
  io_uring_sqe_set_data64(s, kEpollOp);
}

void UringLoop::attach(Connection& conn) {
  auto* slot = new UringSlot;
  slot->conn = &conn;
  slot->fd = conn.fd();
  ++liveSlots_;
  conn.uringSlot = slot;
  armRecv(*slot);
}

void UringLoop::armRecv(UringSlot& slot) {
  io_uring_sqe* s = sqe();
  io_uring_prep_recv_multishot(s, slot.fd, nullptr, 0, 0);
  s->flags |= IOSQE_BUFFER_SELECT;
  s->buf_group = kBufferGroup;
  io_uring_sqe_set_data64(s, reinterpret_cast<std::uint64_t>(&slot) | kRecvOp);
  slot.recvArmed = true;
}

void UringLoop::pauseRecv(Connection& conn) {
  UringSlot* slot = conn.uringSlot;
  if (slot == nullptr || slot->recvPaused) return;
  slot->recvPaused = true;
  if (slot->recvArmed) cancel(reinterpret_cast<std::uint64_t>(slot) | kRecvOp);
}

void UringLoop::resumeRecv(Connection& conn) {
  UringSlot* slot = conn.uringSlot;
  if (slot == nullptr || !slot->recvPaused) return;
  slot->recvPaused = false;
  if (!slot->recvArmed) armRecv(*slot);
}

bool UringLoop::idle(const Connection& conn) const {
  const UringSlot* slot = conn.uringSlot;
  // A re-arm still queued is harmless: submit() skips a paused or detached slot.
  return slot == nullptr || (!slot->recvArmed && !slot->sendInFlight && !slot->awaitingWritable);
}

bool UringLoop::sendInFlight(const Connection& conn) const {
  return conn.uringSlot != nullptr && conn.uringSlot->sendInFlight;
}

bool UringLoop::atFrameBoundary(const Connection& conn) const {
  const UringSlot* slot = conn.uringSlot;
  return slot == nullptr || (!slot->sendInFlight && !slot->torn);
}

void UringLoop::send(Connection& conn) {
  UringSlot* slot = conn.uringSlot;
  // One send at a time keeps the bytes in order; what was queued meanwhile
  // goes when it completes.
  if (slot == nullptr || slot->sendInFlight) return;
  RingBuffer& wire = conn.sealOutput();
  auto spans = wire.readableSpans();
  slot->iov[0] = {const_cast<char*>(spans[0].data()), spans[0].size()};
  slot->iov[1] = {const_cast<char*>(spans[1].data()), spans[1].size()};
  slot->msg = msghdr{};
  slot->msg.msg_iov = slot->iov;
  slot->msg.msg_iovlen = spans[1].empty() ? 1 : 2;
  prepSend(*slot);
  slot->sendInFlight = true;
  slot->sending = spans[0].size() + spans[1].size();
  // Bytes still in the output ring count as written (reserveOutput); a
  // transport that sealed them into its own ring took them out already.
  slot->outputInFlight = &wire == &conn.output() ? slot->sending : 0;
  wire.pin(slot->outputPin);
  conn.countWriteCall();
}

void UringLoop::prepSend(UringSlot& slot) {
  io_uring_sqe* s = sqe();
  io_uring_prep_sendmsg(s, slot.fd, &slot.msg, MSG_NOSIGNAL);
  io_uring_sqe_set_data64(s, reinterpret_cast<std::uint64_t>(&slot) | kSendOp);
}

// The socket is non-blocking (accept4 with SOCK_NONBLOCK), and when the
// kernel cannot park a send on its internal poll (it hands it to a worker,
// seen after the peer's half-close) the send completes with -EAGAIN instead
// of waiting. That is a full socket, not an error: wait for POLLOUT and send
// the same bytes again. The output stays pinned all along.
void UringLoop::awaitWritable(UringSlot& slot) {
  io_uring_sqe* s = sqe();
  io_uring_prep_poll_add(s, slot.fd, POLLOUT);
  io_uring_sqe_set_data64(s, reinterpret_cast<std::uint64_t>(&slot) | kWritablePollOp);
  slot.awaitingWritable = true;
}

void UringLoop::detach(Connection& conn) {
  UringSlot* slot = conn.uringSlot;
  if (slot == nullptr) return;
  conn.uringSlot = nullptr;
  slot->conn = nullptr;
  auto key = reinterpret_cast<std::uint64_t>(slot);
  if (slot->sendInFlight) {
    // The kernel may still read the output block: the slot's pin keeps it
    // when the connection's rings are destroyed.
    cancel(key | (slot->awaitingWritable ? kWritablePollOp : kSendOp));
  }
  // The descriptor is closed next, but the request holds the socket open:
  // only the cancellation lets it go.
  if (slot->recvArmed) cancel(key | kRecvOp);
  maybeFree(slot);
}

void UringLoop::cancel(std::uint64_t userData) {
  io_uring_sqe* s = sqe();
  io_uring_prep_cancel64(s, userData, 0);
  io_uring_sqe_set_data64(s, kIgnoreOp);
}

void UringLoop::maybeFree(UringSlot* slot) {
  if (slot->conn != nullptr || slot->recvArmed || slot->sendInFlight || slot->rearmQueued) return;
  delete slot;
  --liveSlots_;
}

void UringLoop::returnBuffer(unsigned bid) {
  io_uring_buf_ring_add(bufRing_, buffers_ + std::size_t{bid} * kBufferSize, kBufferSize,
                        static_cast<unsigned short>(bid), io_uring_buf_ring_mask(kBufferCount),
                        static_cast<int>(returned_++));
}

void UringLoop::publishReturnedBuffers() {
  if (returned_ == 0) return;
  io_uring_buf_ring_advance(bufRing_, static_cast<int>(returned_));
  returned_ = 0;
}

void UringLoop::submit() {
  for (UringSlot* slot : rearm_) {
    slot->rearmQueued = false;
    if (slot->conn != nullptr && !slot->recvArmed && !slot->recvPaused) armRecv(*slot);
    maybeFree(slot);
  }
  rearm_.clear();
  if (io_uring_sq_ready(&ring_) > 0) io_uring_submit(&ring_);
}

void UringLoop::waitForCompletions(int timeoutMs) {
  __kernel_timespec ts{};
  ts.tv_sec = timeoutMs / 1000;
  ts.tv_nsec = static_cast<long long>(timeoutMs % 1000) * 1'000'000;
  io_uring_cqe* cqe = nullptr;
  // Submits what is pending (the turn's re-arms) and waits in one call;
  // -ETIME and -EINTR just end the wait.
  io_uring_submit_and_wait_timeout(&ring_, &cqe, 1, timeoutMs < 0 ? nullptr : &ts, nullptr);
}

bool UringLoop::complete(const io_uring_cqe& cqe, UringEvent& event, unsigned& bufferToReturn) {
  std::uint64_t data = cqe.user_data;
  bool more = (cqe.flags & IORING_CQE_F_MORE) != 0;
  if (cqe.flags & IORING_CQE_F_BUFFER) bufferToReturn = cqe.flags >> IORING_CQE_BUFFER_SHIFT;
  event.result = cqe.res;
  switch (data & kOpMask) {
    case kAcceptOp: {
      std::uint64_t key = data >> 3;
      if (!more) acceptArmed_[key] = false;
      if (cqe.res == -ECANCELED) return false;  // stopAccepting()
      event.kind = UringEvent::Kind::kAccept;
      event.key = key;
      return true;
    }
    case kListenPollOp:
      acceptArmed_[data >> 3] = false;
      if (cqe.res < 0) return false;  // cancelled
      event.kind = UringEvent::Kind::kListenerReady;
      event.key = data >> 3;
      return true;
    case kWakeOp:
      if (cqe.res < 0) return false;  // cancelled at teardown
      watchWake(wakeFd_);  // requestStop() may come again
      event.kind = UringEvent::Kind::kWake;
      return true;
    case kEpollOp:
      if (cqe.res < 0) return false;  // cancelled at teardown
      event.kind = UringEvent::Kind::kEpollReady;
      return true;
    case kRecvOp: {
      auto* slot = reinterpret_cast<UringSlot*>(data & ~kOpMask);
      if (!more) slot->recvArmed = false;
      if (slot->conn == nullptr) {
        maybeFree(slot);
        return false;
      }
      bool rearm = !more && (cqe.res > 0 || cqe.res == -ENOBUFS);
      if (rearm && !slot->rearmQueued) {
        // The multishot ended without an end of stream (the buffers ran
        // out, or the kernel stopped it): arm it again at submit().
        slot->rearmQueued = true;
        rearm_.push_back(slot);
      }
      event.conn = slot->conn;
      if (cqe.res > 0) {
        event.kind = UringEvent::Kind::kData;
        event.data = buffers_ + std::size_t{bufferToReturn} * kBufferSize;
        event.size = static_cast<std::size_t>(cqe.res);
        return true;
      }
      if (cqe.res == -ENOBUFS) {
        ++bufferShortages_;
        return false;
      }
      if (cqe.res == -ECANCELED) {
        // pauseRecv(). When resumeRecv() came before this, the recv was
        // still armed: arm it now.
        if (!slot->recvPaused && !slot->rearmQueued) {
          slot->rearmQueued = true;
          rearm_.push_back(slot);
        }
        return false;
      }
      event.kind = UringEvent::Kind::kRecvEnded;  // 0: end of stream
      return true;
    }
    case kWritablePollOp:
    case kSendOp: {
      auto* slot = reinterpret_cast<UringSlot*>(data & ~kOpMask);
      bool polled = (data & kOpMask) == kWritablePollOp;
      if (polled) slot->awaitingWritable = false;
      if (slot->conn != nullptr) {
        if (polled && cqe.res >= 0) {  // writable again: the same bytes once more
          prepSend(*slot);
          return false;
        }
        if (!polled && cqe.res == -EAGAIN) {
          awaitWritable(*slot);
          return false;
        }
      }
      slot->sendInFlight = false;
      if (slot->conn == nullptr) {
        slot->outputPin.reset();  // the kernel is done with the block: freed
        maybeFree(slot);
        return false;
      }
      slot->outputPin.reset();
      slot->torn = cqe.res >= 0 && static_cast<std::size_t>(cqe.res) < slot->sending;
      event.kind = UringEvent::Kind::kSent;
      event.conn = slot->conn;
      return true;
    }
    default:
      return false;  // a cancellation's own completion
  }
}

}  // namespace linecast
