#include "client_tls.h"

#include <arpa/inet.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include <fmt/format.h>

namespace linecast::cli {
namespace {

std::string openSslError() {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "connection closed";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

bool isIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return ::inet_pton(AF_INET, host.c_str(), buffer) == 1 || ::inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

}  // namespace

ClientTls::~ClientTls() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
}

bool ClientTls::handshake(int fd, const std::string& host, const TlsOptions& options,
                          std::chrono::milliseconds timeout, std::string& error) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  SSL_CTX_set_min_proto_version(ctx_, TLS1_2_VERSION);
  SSL_CTX_set_mode(ctx_, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_PEER, nullptr);
  bool loaded = options.caFile.empty()
                    ? SSL_CTX_set_default_verify_paths(ctx_) == 1
                    : SSL_CTX_load_verify_locations(ctx_, options.caFile.c_str(), nullptr) == 1;
  if (!loaded) {
    error = fmt::format("cannot load --cacert '{}': {}", options.caFile, openSslError());
    return false;
  }
  if (!options.certFile.empty()) {
    if (SSL_CTX_use_certificate_chain_file(ctx_, options.certFile.c_str()) != 1) {
      error = fmt::format("cannot load --cert '{}': {}", options.certFile, openSslError());
      return false;
    }
    const std::string& key = options.keyFile.empty() ? options.certFile : options.keyFile;
    if (SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) != 1) {
      error = fmt::format("cannot load --key '{}': {}", key, openSslError());
      return false;
    }
  }
  ssl_ = SSL_new(ctx_);
  SSL_set_fd(ssl_, fd);
  X509_VERIFY_PARAM* param = SSL_get0_param(ssl_);
  if (isIpAddress(host)) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    SSL_set_tlsext_host_name(ssl_, host.c_str());  // SNI
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    ERR_clear_error();
    int result = SSL_connect(ssl_);
    if (result == 1) return true;
    int reason = SSL_get_error(ssl_, result);
    short events = reason == SSL_ERROR_WANT_READ ? POLLIN : reason == SSL_ERROR_WANT_WRITE ? POLLOUT : 0;
    if (events == 0) {
      long verify = SSL_get_verify_result(ssl_);
      error = verify != X509_V_OK ? fmt::format("certificate verify failed: {}", X509_verify_cert_error_string(verify))
                                  : openSslError();
      return false;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      error = "timed out";
      return false;
    }
    pollfd p{fd, events, 0};
    if (::poll(&p, 1, static_cast<int>(left.count())) < 0 && errno != EINTR) {
      error = std::strerror(errno);
      return false;
    }
  }
}

long ClientTls::outcome(int result) {
  if (result > 0) return result;
  switch (SSL_get_error(ssl_, result)) {
    case SSL_ERROR_WANT_READ: return kWantRead;
    case SSL_ERROR_WANT_WRITE: return kWantWrite;
    case SSL_ERROR_ZERO_RETURN: return kEof;
    case SSL_ERROR_SYSCALL:
      if (errno == 0) return kEof;  // closed without close_notify
      error_ = std::strerror(errno);
      return kError;
    default:
      error_ = openSslError();
      return kError;
  }
}

long ClientTls::read(char* buffer, std::size_t size) {
  ERR_clear_error();
  errno = 0;
  return outcome(SSL_read(ssl_, buffer, static_cast<int>(std::min<std::size_t>(size, INT_MAX))));
}

long ClientTls::write(const char* data, std::size_t size) {
  ERR_clear_error();
  errno = 0;
  return outcome(SSL_write(ssl_, data, static_cast<int>(std::min<std::size_t>(size, INT_MAX))));
}

std::string ClientTls::lastError() const { return error_; }

}  // namespace linecast::cli
