#pragma once

#include <cstdint>
#include <memory>

#include "net/ring_buffer.h"
#include "net/transport.h"
#include "protocols/ws/ws_frame_writer.h"
#include "protocols/ws/ws_stream_decoder.h"

namespace linecast {

// WebSocket framing as a transport layer, for a protocol that is a byte
// stream (MQTT over WebSocket): stacked on the connection's transport
// (plain or TLS), it hands the session the bytes of the client's binary
// frames and sends whatever the output ring holds at a flush as one binary
// frame, so the session is the same one that runs over TCP.
//
// Incoming: frames are unmasked as they arrive (WsStreamDecoder), in place
// in the input ring under epoll, from a ring of the inner transport's
// plaintext under io_uring. A ping is answered with a pong; a close frame
// is answered with a close frame and ends the stream; a text frame or a
// protocol violation closes with 1003 or 1002 and ends it.
//
// Outgoing: frames go into a ring of this transport's (wire_), kept and
// reused, so steady state allocates nothing; the inner transport sends
// from it (epoll: send(); io_uring: seal() stacks on the inner seal()).
// The bytes at the output's front when the transport is installed (the
// 101 answer) pass unframed.
class WsStreamTransport final : public Transport {
 public:
  // `owned` is the transport to stack on when the connection owned one
  // (TLS); null: the shared plain socket. `unframed`: the output bytes
  // already queued, sent as they are.
  WsStreamTransport(std::unique_ptr<Transport> owned, std::size_t unframed);

  ssize_t receive(int fd, iovec* iov, int count) override;
  ssize_t send(int fd, const iovec* iov, int count) override;
  bool absorb(std::string_view received, RingBuffer& in, std::size_t limit) override;
  RingBuffer& seal(RingBuffer& output) override;
  RingBuffer& wire(RingBuffer& output) override;
  void sendBestEffort(int fd, std::string_view frame) override;
  bool pendingWire() const override;
  void shutdownWrite(int fd) override;
  bool streamEnded() const override { return decoder_.ended(); }
  bool handshaking() const override { return inner_->handshaking(); }
  std::string_view peerName() const override { return inner_->peerName(); }
  void leaveThread() override { inner_->leaveThread(); }
  void joinThread(Metrics& metrics) override { inner_->joinThread(metrics); }
  void releaseIdleBuffers() override {
    wire_.releaseIfEmpty();
    inner_->releaseIdleBuffers();
  }

  // Bytes of the inner transport's plaintext read before this transport
  // was installed (frames that followed the upgrade request): decoded in
  // place. False when they exceed `limit`.
  bool decodeEarlyInput(RingBuffer& in, std::size_t limit);

 private:
  // Decodes n received bytes into `out`, answering pings and noting a close.
  void decodeAll(const char* data, std::size_t n, WsStreamDecoder::Output& out);
  // Decodes all of received_ onto the end of `in`.
  bool decodeReceived(RingBuffer& in, std::size_t limit);
  // Frames `total` plaintext bytes from the pieces into wire_ (the unframed
  // prefix first), then the pong and close frames that are due.
  void frame(const std::span<const char>* pieces, int count, std::size_t total);
  void appendWire(std::string_view bytes);
  // epoll: sends wire_ through the inner transport; false with errno when
  // it stopped short (EAGAIN: the socket is full).
  bool flushWire(int fd);

  std::unique_ptr<Transport> owned_;
  Transport* inner_;
  WsStreamDecoder decoder_;
  std::size_t unframed_;
  RingBuffer wire_;         // frames for the inner transport
  RingBuffer received_;     // io_uring: the inner transport's plaintext
  bool eofNext_ = false;    // epoll: the stream ended after bytes handed up
  bool pongDue_ = false;
  WsControlFrame pong_;     // the answer to the latest ping (RFC 6455 5.5.3)
  bool closeDue_ = false;
  bool closeSent_ = false;  // after our close frame nothing more is framed
  WsControlFrame close_;
};

}  // namespace linecast
