#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <cstddef>
#include <string_view>

#include "net/ring_buffer.h"

namespace linecast {

struct Metrics;

// The transport seam: how a Connection's bytes cross its socket. The
// Connection keeps the rings and the protocol sees plaintext only; a
// transport turns socket bytes into plaintext and back. The plain socket is
// one stateless instance shared by every connection (PlainTransport); a
// transport with state (TLS) is owned by its connection.
//
// With epoll the transport does the reads and writes itself (receive,
// send). With io_uring the kernel does them: received bytes come through
// absorb(), and the bytes to send are taken from the ring that seal()
// returns (the output itself when nothing is transformed), which stays
// pinned while the kernel reads it; wire() names that ring again when the
// send completes.
class Transport {
 public:
  virtual ~Transport() = default;

  // epoll: reads the socket into the buffers: plaintext bytes (> 0), 0 at
  // the peer's end of stream, -1 with errno (EAGAIN: nothing now).
  virtual ssize_t receive(int fd, iovec* iov, int count) = 0;

  // epoll: writes the plaintext in the buffers: bytes taken (>= 0), or -1
  // with errno (EAGAIN: the socket is full).
  virtual ssize_t send(int fd, const iovec* iov, int count) = 0;

  // io_uring: bytes the kernel received, as plaintext into `in`, which may
  // grow up to `limit` bytes. False when they do not fit or are broken.
  virtual bool absorb(std::string_view received, RingBuffer& in, std::size_t limit) = 0;

  // io_uring: the ring to send from next, after moving what `output` holds
  // into the transport's wire form.
  virtual RingBuffer& seal(RingBuffer& output) = 0;
  // io_uring: the ring seal() returned, for the send's completion.
  virtual RingBuffer& wire(RingBuffer& output) = 0;

  // Writes one short frame now, best effort, outside the output ring (the
  // slow-consumer line of a connection about to be closed): what the
  // socket does not take at once is lost.
  virtual void sendBestEffort(int fd, std::string_view frame) = 0;

  // Bytes the transport holds for the socket beyond the output ring (TLS
  // records not yet sent: a handshake's, or sealed output a short send
  // left); the Server flushes while there are any.
  virtual bool pendingWire() const { return false; }
  // The connection went idle: buffers of the transport's own that are empty
  // go back to the allocator.
  virtual void releaseIdleBuffers() {}

  // Our side is done: no more bytes will be sent (the TLS close_notify,
  // then the FIN).
  virtual void shutdownWrite(int fd) = 0;

  // Still negotiating (a TLS handshake): no plaintext yet, and the
  // handshake must end within --auth-timeout.
  virtual bool handshaking() const { return false; }
  // Who the peer proved to be at the transport (a client certificate's
  // Common Name); empty when nobody.
  virtual std::string_view peerName() const { return {}; }

  // The peer ended its stream inside the transport (a WebSocket close
  // frame): the Server treats it as the end of the input once that ran.
  virtual bool streamEnded() const { return false; }

  // The connection moves to another reactor thread (MQTT over WebSocket
  // goes to thread 0): the gauges the transport counts in leave this
  // thread's Metrics (leaveThread, on the old thread) and join the new
  // one's (joinThread, on the new thread).
  virtual void leaveThread() {}
  virtual void joinThread(Metrics&) {}
};

// The plain socket: readv, sendmsg, shutdown; the output ring is the wire.
class PlainTransport final : public Transport {
 public:
  static PlainTransport& instance();

  ssize_t receive(int fd, iovec* iov, int count) override;
  ssize_t send(int fd, const iovec* iov, int count) override;
  bool absorb(std::string_view received, RingBuffer& in, std::size_t limit) override;
  RingBuffer& seal(RingBuffer& output) override { return output; }
  RingBuffer& wire(RingBuffer& output) override { return output; }
  void shutdownWrite(int fd) override;
  void sendBestEffort(int fd, std::string_view frame) override;
};

}  // namespace linecast
