#include "net/tls_transport.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "metrics.h"
#include "net/ring_bio.h"
#include "util/log.h"

namespace linecast {
namespace {

// The most one SSL_read/SSL_write call is given (their lengths are int).
constexpr std::size_t kMaxCall = 1u << 30;
// Room asked of the input ring per plaintext read under io_uring: one
// record's worth.
constexpr std::size_t kRecord = 16 * 1024;
// Batched mode: the most plaintext sealed into the wire ring before it is
// sent, so the ring stays near this size however much output waits.
constexpr std::size_t kBatch = 256 * 1024;

std::string lastError() {
  unsigned long code = ERR_peek_last_error();
  const char* reason = code == 0 ? "connection closed" : ERR_reason_error_string(code);
  std::string text = reason != nullptr ? reason : "unknown";
  ERR_clear_error();
  return text;
}

}  // namespace

TlsTransport::TlsTransport(std::shared_ptr<TlsContext> context, int fd, std::uint64_t id, Mode mode,
                           Metrics& metrics)
    : context_(std::move(context)), mode_(mode), metrics_(&metrics), id_(id) {
  ssl_ = SSL_new(context_->get());
  if (mode_ == Mode::kSocket) {
    SSL_set_fd(ssl_, fd);  // BIO_NOCLOSE: the Connection owns the descriptor
  } else {
    readBio_ = BIO_new(BIO_s_mem());
    writeBio_ = BIO_new(BIO_s_mem());
    // An empty memory BIO says "retry", not end of file.
    BIO_set_mem_eof_return(readBio_, -1);
    SSL_set_bio(ssl_, readBio_, writeBio_);  // the SSL frees them
  }
  SSL_set_accept_state(ssl_);
}

TlsTransport::~TlsTransport() {
  if (established_) {
    --metrics_->tlsConnections;
    if (ktls_) --metrics_->tlsKernelConnections;
  }
  SSL_free(ssl_);
}

void TlsTransport::leaveThread() {
  if (!established_) return;
  --metrics_->tlsConnections;
  if (ktls_) --metrics_->tlsKernelConnections;
}

void TlsTransport::joinThread(Metrics& metrics) {
  metrics_ = &metrics;
  if (!established_) return;
  ++metrics_->tlsConnections;
  if (ktls_) ++metrics_->tlsKernelConnections;
}

bool TlsTransport::handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) {
    established();
    return true;
  }
  int error = SSL_get_error(ssl_, result);
  // WANT_WRITE: the socket cannot take the server's flight now. A new
  // socket's send buffer holds a certificate chain, so this is rare; the
  // next receive retries.
  if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) return true;
  failed(error, "handshake");
  return false;
}

void TlsTransport::established() {
  established_ = true;
  ++metrics_->tlsConnections;
  if (mode_ == Mode::kSocket && BIO_get_ktls_send(SSL_get_wbio(ssl_)) > 0) {
    ktls_ = true;
    ++metrics_->tlsKernelConnections;
  } else if (mode_ == Mode::kSocket) {
    // Without kernel TLS the records go to the wire ring from now on and
    // leave in one write per flush. The handshake's flights are out (it
    // would not have ended with a write pending), so nothing is reordered.
    if (BIO* ring = newRingBio(wire_)) {
      SSL_set0_wbio(ssl_, ring);
      batched_ = true;
    }
  }
  if (X509* cert = SSL_get1_peer_certificate(ssl_)) {
    char name[256];
    int n = X509_NAME_get_text_by_NID(X509_get_subject_name(cert), NID_commonName, name, sizeof name);
    if (n > 0) peerName_.assign(name, static_cast<std::size_t>(n));
    X509_free(cert);
  }
  log(LogLevel::kDebug, "conn {} tls {} {}{}{}", id_, SSL_get_version(ssl_), SSL_get_cipher_name(ssl_),
      ktls_ ? " ktls" : "", peerName_.empty() ? "" : " cn=" + peerName_);
}

void TlsTransport::failed(int error, const char* during) {
  if (!established_) ++metrics_->tlsHandshakeFailures;
  std::string why = error == SSL_ERROR_SYSCALL && errno != 0 ? std::string(std::strerror(errno)) : lastError();
  log(LogLevel::kInfo, "conn {} tls {} failed: {}", id_, during, why);
}

ssize_t TlsTransport::receive(int fd, iovec* iov, int count) {
  if (closeSent_) return ::readv(fd, iov, count);  // lingering: dropped anyway
  if (!established_) {
    if (!handshake()) {
      errno = EPROTO;
      return -1;
    }
    if (!established_) {
      errno = EAGAIN;
      return -1;
    }
  }
  // Read until OpenSSL needs the socket again, so that a short count means
  // what it means for a plain socket under EPOLLET: the socket is empty.
  ssize_t total = 0;
  for (int i = 0; i < count; ++i) {
    char* at = static_cast<char*>(iov[i].iov_base);
    std::size_t left = iov[i].iov_len;
    while (left > 0) {
      ERR_clear_error();
      int n = SSL_read(ssl_, at, static_cast<int>(std::min(left, kMaxCall)));
      if (n > 0) {
        at += n;
        left -= static_cast<std::size_t>(n);
        total += n;
        continue;
      }
      int error = SSL_get_error(ssl_, n);
      if (total > 0) return total;  // the error comes again on the next call
      if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE) {
        errno = EAGAIN;
        return -1;
      }
      if (error == SSL_ERROR_ZERO_RETURN) return 0;  // close_notify, or EOF
      failed(error, "read");
      if (error != SSL_ERROR_SYSCALL || errno == 0) errno = EPROTO;
      return -1;
    }
  }
  return total;
}

bool TlsTransport::sendWire(int fd) {
  while (!wire_.empty()) {
    auto spans = wire_.readableSpans();
    iovec iov[2] = {{const_cast<char*>(spans[0].data()), spans[0].size()},
                    {const_cast<char*>(spans[1].data()), spans[1].size()}};
    msghdr message{};
    message.msg_iov = iov;
    message.msg_iovlen = spans[1].empty() ? 1 : 2;
    ssize_t n = ::sendmsg(fd, &message, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    wire_.consume(static_cast<std::size_t>(n));
  }
  return true;
}

ssize_t TlsTransport::sendBatched(int fd, const iovec* iov, int count) {
  // What was sealed before goes first, and nothing more is sealed while the
  // socket holds it back: the ring holds at most one batch.
  if (!sendWire(fd)) return -1;
  ssize_t total = 0;
  std::size_t sealed = 0;  // plaintext sealed into wire_ since its last send
  for (int i = 0; i < count; ++i) {
    const char* at = static_cast<const char*>(iov[i].iov_base);
    std::size_t left = iov[i].iov_len;
    while (left > 0) {
      ERR_clear_error();
      // With SSL_MODE_ENABLE_PARTIAL_WRITE each call seals one record at
      // most: the batch is made of many calls, and sent once.
      int n = SSL_write(ssl_, at, static_cast<int>(std::min(left, kBatch - sealed)));
      if (n <= 0) {  // the ring BIO takes everything: a failure is OpenSSL's, and final
        failed(SSL_get_error(ssl_, n), "write");
        errno = EPIPE;
        return -1;
      }
      at += n;
      left -= static_cast<std::size_t>(n);
      total += n;
      sealed += static_cast<std::size_t>(n);
      if (sealed == kBatch) {
        sealed = 0;
        if (!sendWire(fd)) return errno == EAGAIN || errno == EWOULDBLOCK ? total : -1;  // the rest waits in wire_
      }
    }
  }
  if (sealed > 0 && !sendWire(fd) && errno != EAGAIN && errno != EWOULDBLOCK) return -1;
  return total;
}

ssize_t TlsTransport::send(int fd, const iovec* iov, int count) {
  if (batched_) return sendBatched(fd, iov, count);
  ssize_t total = 0;
  for (int i = 0; i < count; ++i) {
    const char* at = static_cast<const char*>(iov[i].iov_base);
    std::size_t left = iov[i].iov_len;
    while (left > 0) {
      ERR_clear_error();
      int n = SSL_write(ssl_, at, static_cast<int>(std::min(left, kMaxCall)));
      writePending_ = n <= 0;
      if (n > 0) {
        at += n;
        left -= static_cast<std::size_t>(n);
        total += n;
        continue;
      }
      int error = SSL_get_error(ssl_, n);
      if (error == SSL_ERROR_WANT_WRITE || error == SSL_ERROR_WANT_READ) {
        // OpenSSL keeps the record it could not finish; the retry passes
        // the same bytes again from the ring's front.
        if (total > 0) return total;
        errno = EAGAIN;
        return -1;
      }
      failed(error, "write");
      if (error != SSL_ERROR_SYSCALL || errno == 0) errno = EPIPE;
      return total > 0 ? total : -1;
    }
  }
  return total;
}

bool TlsTransport::absorb(std::string_view received, RingBuffer& in, std::size_t limit) {
  if (closeSent_) return true;  // lingering: dropped
  if (BIO_write(readBio_, received.data(), static_cast<int>(received.size())) != static_cast<int>(received.size())) {
    return false;
  }
  if (!established_) {
    bool ok = handshake();
    collectWire();  // the server's flight
    if (!ok) return false;
    if (!established_) return true;
  }
  for (;;) {
    if (in.freeSpace() == 0 && !in.reserve(kRecord, limit)) return false;
    auto spans = in.writableSpans();
    std::span<char> span = spans[0].empty() ? spans[1] : spans[0];
    ERR_clear_error();
    int n = SSL_read(ssl_, span.data(), static_cast<int>(std::min(span.size(), kMaxCall)));
    if (n > 0) {
      in.commit(static_cast<std::size_t>(n));
      continue;
    }
    int error = SSL_get_error(ssl_, n);
    collectWire();  // a TLS 1.3 read can answer (tickets, key updates)
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_ZERO_RETURN) return true;
    failed(error, "read");
    return false;
  }
}

void TlsTransport::collectWire() {
  std::size_t pending = BIO_ctrl_pending(writeBio_);
  if (pending == 0) return;
  wire_.reserve(pending, SIZE_MAX);
  auto spans = wire_.writableSpans();
  for (const auto& span : spans) {
    if (pending == 0 || span.empty()) break;
    int n = BIO_read(writeBio_, span.data(), static_cast<int>(std::min(span.size(), pending)));
    if (n <= 0) break;
    wire_.commit(static_cast<std::size_t>(n));
    pending -= static_cast<std::size_t>(n);
  }
}

RingBuffer& TlsTransport::seal(RingBuffer& output) {
  // Before the handshake ends nothing can be queued (no input was
  // decrypted yet); after it the memory BIO takes everything.
  while (established_ && !closeSent_ && !output.empty()) {
    auto span = output.readableSpans()[0];
    ERR_clear_error();
    int n = SSL_write(ssl_, span.data(), static_cast<int>(std::min(span.size(), kMaxCall)));
    if (n <= 0) {
      failed(SSL_get_error(ssl_, n), "write");
      output.clear();  // the connection fails at the send of what is sealed
      break;
    }
    output.consume(static_cast<std::size_t>(n));
  }
  collectWire();
  return wire_;
}

RingBuffer& TlsTransport::wire(RingBuffer& output) {
  return mode_ == Mode::kMemory ? wire_ : output;
}

bool TlsTransport::pendingWire() const {
  if (batched_) return !wire_.empty();
  return mode_ == Mode::kMemory && (!wire_.empty() || BIO_ctrl_pending(writeBio_) > 0);
}

void TlsTransport::releaseIdleBuffers() {
  wire_.releaseIfEmpty();
}

void TlsTransport::sendBestEffort(int fd, std::string_view frame) {
  // A record OpenSSL still holds, or sealed bytes still to go, would be
  // torn by one written now.
  if (!established_ || closeSent_ || writePending_ || !wire_.empty()) return;
  ERR_clear_error();
  if (SSL_write(ssl_, frame.data(), static_cast<int>(frame.size())) <= 0) {
    ERR_clear_error();
    return;
  }
  if (mode_ == Mode::kMemory || batched_) sendWireBestEffort(fd);
}

void TlsTransport::sendWireBestEffort(int fd) {
  if (mode_ == Mode::kMemory) collectWire();
  auto span = wire_.readableSpans()[0];
  ssize_t ignored = ::send(fd, span.data(), span.size(), MSG_NOSIGNAL | MSG_DONTWAIT);
  (void)ignored;
  wire_.clear();
}

void TlsTransport::shutdownWrite(int fd) {
  if (established_ && !closeSent_) {
    ERR_clear_error();
    SSL_shutdown(ssl_);  // queues close_notify (a socket BIO sends it)
    // The output is all sent by now: from the wire ring the alert goes
    // straight out, best effort, before the FIN.
    if (mode_ == Mode::kMemory || batched_) sendWireBestEffort(fd);
    ERR_clear_error();
  }
  closeSent_ = true;
  ::shutdown(fd, SHUT_WR);
}

}  // namespace linecast
