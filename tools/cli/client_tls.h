#pragma once

#include <chrono>
#include <cstddef>
#include <string>

typedef struct ssl_st SSL;
typedef struct ssl_ctx_st SSL_CTX;

namespace linecast::cli {

// What --tls, --cacert, --cert and --key ask for.
struct TlsOptions {
  bool enabled = false;
  std::string caFile;    // empty: the system's CAs
  std::string certFile;  // a client certificate (mutual TLS); empty: none
  std::string keyFile;
};

// The client side of TLS over a connected non-blocking socket (OpenSSL).
// The server's certificate is verified against the CA file (or the system's
// CAs) and must name the host the CLI was given (a DNS name or an IP
// address), as curl and redis-cli check.
class ClientTls {
 public:
  // What a read or write came to: bytes moved (> 0), or one of these.
  static constexpr long kEof = 0;
  static constexpr long kWantRead = -2;
  static constexpr long kWantWrite = -3;
  static constexpr long kError = -1;

  ClientTls() = default;
  ~ClientTls();
  ClientTls(const ClientTls&) = delete;
  ClientTls& operator=(const ClientTls&) = delete;

  // Handshakes within the timeout. On failure returns false with `error`
  // saying why (the verification result when that was it).
  bool handshake(int fd, const std::string& host, const TlsOptions& options,
                 std::chrono::milliseconds timeout, std::string& error);

  long read(char* buffer, std::size_t size);
  long write(const char* data, std::size_t size);
  // Why the last kError happened.
  std::string lastError() const;

 private:
  long outcome(int result);

  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string error_;
};

}  // namespace linecast::cli
