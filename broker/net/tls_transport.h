#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "net/ring_buffer.h"
#include "net/tls_context.h"
#include "net/transport.h"

typedef struct ssl_st SSL;
typedef struct bio_st BIO;

namespace linecast {

struct Metrics;

// TLS over one connection (OpenSSL). The server's side of the handshake
// runs inside the first receives; until it is done no plaintext comes out.
//
// Under epoll OpenSSL reads the socket itself (a socket BIO, with read-ahead
// so one read() takes several records). It writes the socket itself during
// the handshake and where kernel TLS takes over the record layer: a write
// the socket cannot take is retried from the output ring's front, which
// holds the same bytes (SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER). Without
// kernel TLS, after the handshake, the records collect in the wire ring
// (newRingBio) and each flush sends them in one sendmsg ("batched").
// Under io_uring the kernel does the I/O, so OpenSSL works between memory
// BIOs: absorb() feeds it the received bytes, seal() moves the output
// through it into the wire ring the send reads.
class TlsTransport final : public Transport {
 public:
  enum class Mode { kSocket, kMemory };

  // `metrics` is the owning thread's: the gauges and the handshake failures;
  // `id` names the connection in the log.
  TlsTransport(std::shared_ptr<TlsContext> context, int fd, std::uint64_t id, Mode mode, Metrics& metrics);
  ~TlsTransport() override;
  TlsTransport(const TlsTransport&) = delete;
  TlsTransport& operator=(const TlsTransport&) = delete;

  ssize_t receive(int fd, iovec* iov, int count) override;
  ssize_t send(int fd, const iovec* iov, int count) override;
  bool absorb(std::string_view received, RingBuffer& in, std::size_t limit) override;
  RingBuffer& seal(RingBuffer& output) override;
  RingBuffer& wire(RingBuffer& output) override;
  bool pendingWire() const override;
  void releaseIdleBuffers() override;
  void shutdownWrite(int fd) override;
  void sendBestEffort(int fd, std::string_view frame) override;
  bool handshaking() const override { return !established_; }
  std::string_view peerName() const override { return peerName_; }
  void leaveThread() override;
  void joinThread(Metrics& metrics) override;

  bool kernelTls() const { return ktls_; }

 private:
  // Drives the handshake; false when it failed (counted and logged).
  bool handshake();
  void established();
  void failed(int result, const char* during);
  // Memory mode: the ciphertext OpenSSL wrote, appended to wire_.
  void collectWire();
  // Batched: seals the iovecs into wire_ and sends it.
  ssize_t sendBatched(int fd, const iovec* iov, int count);
  // Batched: wire_ to the socket; false with errno set when it stopped
  // short (EAGAIN: the socket is full, the rest stays in wire_).
  bool sendWire(int fd);
  // The alert or line in wire_ straight out, once, and wire_ emptied.
  void sendWireBestEffort(int fd);

  std::shared_ptr<TlsContext> context_;  // the SSL refers to its SSL_CTX
  SSL* ssl_ = nullptr;
  BIO* readBio_ = nullptr;   // memory mode: received ciphertext
  BIO* writeBio_ = nullptr;  // memory mode: ciphertext to send
  Mode mode_;
  Metrics* metrics_;  // the owning thread's (joinThread moves it)
  std::uint64_t id_;
  bool established_ = false;
  bool ktls_ = false;
  bool closeSent_ = false;  // close_notify sent: what still comes is dropped
  bool writePending_ = false;  // epoll: OpenSSL holds a record the socket did not take
  bool batched_ = false;       // epoll without kernel TLS, after the handshake: records go to wire_
  std::string peerName_;    // the client certificate's Common Name, if any
  RingBuffer wire_;         // memory mode and batched: ciphertext for the next sends
};

}  // namespace linecast
