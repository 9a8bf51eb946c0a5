#pragma once

#include <sys/types.h>

#include <cstddef>
#include <memory>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace linecast::bench {

// The client TLS context of a run (--tls, --cacert). With a CA file the
// server's certificate is verified against it; without one it is not (a
// load generator measures the broker, it does not protect a secret).
// Throws std::runtime_error naming the file when the CA file does not load.
std::shared_ptr<SSL_CTX> makeClientTlsContext(const std::string& caFile);

// One connection's TLS over its non-blocking socket (OpenSSL). read() and
// write() return what recv()/send() would: bytes, 0 at the end of the
// stream, or -1 with errno (EAGAIN when OpenSSL waits for the socket).
class TlsStream {
 public:
  TlsStream(SSL_CTX* ctx, int fd);
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // 1: done; 0: waiting for the socket; -1: failed (error() says why).
  int handshake();
  ssize_t read(char* buffer, std::size_t size);
  // OpenSSL wants a write that waited for the socket retried with the same
  // bytes, but a publisher's next write may come from another buffer (a
  // queued reply, the end barrier). So such a write is taken whole: its
  // bytes are copied here and resent first, and the next write waits for
  // them (EAGAIN) until the socket took them.
  ssize_t write(const char* data, std::size_t size);
  const std::string& error() const { return error_; }

 private:
  ssize_t outcome(int result);

  SSL* ssl_;
  bool flushHeld();
  std::string held_;  // a write OpenSSL holds for the socket, to retry
  std::string error_;
};

}  // namespace linecast::bench
