#include "loadgen/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <stdexcept>

#include <fmt/format.h>

namespace linecast::bench {
namespace {

std::string openSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "connection closed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

std::shared_ptr<SSL_CTX> makeClientTlsContext(const std::string& caFile) {
  std::shared_ptr<SSL_CTX> ctx(SSL_CTX_new(TLS_client_method()), SSL_CTX_free);
  SSL_CTX_set_min_proto_version(ctx.get(), TLS1_2_VERSION);
  // Partial writes with a moving buffer: a publisher's template is written
  // in pieces and retried from wherever its front is, as with send().
  SSL_CTX_set_mode(ctx.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                                  SSL_MODE_RELEASE_BUFFERS);
  // One read() takes what the socket holds, up to 64 KiB, instead of two
  // per record (its header, then its body): a subscriber under load reads
  // until EAGAIN anyway (Connection::readAll), so nothing waits in OpenSSL.
  SSL_CTX_set_read_ahead(ctx.get(), 1);
  SSL_CTX_set_default_read_buffer_len(ctx.get(), 64 * 1024);
  if (!caFile.empty()) {
    if (SSL_CTX_load_verify_locations(ctx.get(), caFile.c_str(), nullptr) != 1) {
      throw std::runtime_error(fmt::format("cannot load --cacert '{}': {}", caFile, openSslError()));
    }
    SSL_CTX_set_verify(ctx.get(), SSL_VERIFY_PEER, nullptr);
  }
  return ctx;
}

TlsStream::TlsStream(SSL_CTX* ctx, int fd) : ssl_(SSL_new(ctx)) {
  SSL_set_fd(ssl_, fd);
  SSL_set_connect_state(ssl_);
}

TlsStream::~TlsStream() { SSL_free(ssl_); }

int TlsStream::handshake() {
  ERR_clear_error();
  int result = SSL_do_handshake(ssl_);
  if (result == 1) return 1;
  int reason = SSL_get_error(ssl_, result);
  if (reason == SSL_ERROR_WANT_READ || reason == SSL_ERROR_WANT_WRITE) return 0;
  long verify = SSL_get_verify_result(ssl_);
  error_ = verify != X509_V_OK ? X509_verify_cert_error_string(verify) : openSslError();
  return -1;
}

ssize_t TlsStream::outcome(int result) {
  if (result > 0) return result;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
      errno = EAGAIN;
      return -1;
    case SSL_ERROR_ZERO_RETURN:
      return 0;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) return 0;  // closed without close_notify
      return -1;
    default:
      error_ = openSslError();
      errno = EPROTO;
      return -1;
  }
}

ssize_t TlsStream::read(char* buffer, std::size_t size) {
  ERR_clear_error();
  errno = 0;
  return outcome(SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, INT_MAX))));
}

bool TlsStream::flushHeld() {
  while (!held_.empty()) {
    ERR_clear_error();
    errno = 0;
    ssize_t n = outcome(SSL_write(ssl_, held_.data(), static_cast<int>(held_.size())));
    if (n <= 0) return false;
    held_.erase(0, static_cast<std::size_t>(n));
  }
  return true;
}

ssize_t TlsStream::write(const char* data, std::size_t size) {
  if (!flushHeld()) {
    if (errno == 0) errno = EPIPE;
    return -1;
  }
  // At most 64 KiB a call bounds the copy a held write costs.
  std::size_t len = std::min<std::size_t>(size, 64 * 1024);
  ERR_clear_error();
  errno = 0;
  ssize_t n = outcome(SSL_write(ssl_, data, static_cast<int>(len)));
  if (n < 0 && errno == EAGAIN) {
    held_.assign(data, len);
    return static_cast<ssize_t>(len);
  }
  return n;
}

}  // namespace linecast::bench
