// The Server's TLS: which transport a connection gets from its first byte,
// the plaintext refusal under --tls-required, the handshake deadline, and
// the SIGHUP reload of the certificate files.
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "net/tls_transport.h"
#include "server.h"
#include "util/log.h"

namespace linecast {

bool Server::peekTransport(Connection& conn) {
  // epoll: OpenSSL reads the socket itself, so the first byte is peeked,
  // not taken (one extra recv per connection, on TLS-enabled ports only).
  for (;;) {
    char first = 0;
    ssize_t n = ::recv(conn.fd(), &first, 1, MSG_PEEK);
    if (n == 1) {
      decideTransport(conn, first);
      return true;
    }
    if (n == 0) {
      conn.drain(CloseReason::kPeerClosed);
      return false;
    }
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) conn.abort(CloseReason::kIoError);
    return false;
  }
}

void Server::decideTransport(Connection& conn, char first) {
  conn.tlsPossible = false;
  const ListenerSpec& spec = listeners_[conn.listener].spec;
  if (static_cast<unsigned char>(first) == 0x16) {  // a TLS handshake record
    auto mode = uring_ ? TlsTransport::Mode::kMemory : TlsTransport::Mode::kSocket;
    conn.setTransport(std::make_unique<TlsTransport>(spec.tls->current(), conn.fd(), conn.id(), mode, metrics_));
    // Detection runs on the first plaintext, after the handshake: then the
    // certificate's user is known (mutual TLS).
    conn.tlsIdentity = spec.tls->current()->verifiesClients();
    conn.detecting = conn.detecting || conn.tlsIdentity;
  } else if (spec.tlsRequired) {
    // Refused in the words of the protocol the same byte picks.
    conn.plaintextRefused = true;
    conn.detecting = true;
  }
}

bool Server::handshakeOverdue(Connection& conn) {
  if (!conn.transport().handshaking() || now_ - conn.openedAt < config_.authTimeout) return false;
  ++metrics_.tlsHandshakeFailures;
  log(LogLevel::kInfo, "conn {} tls handshake not finished within {} s", conn.id(), config_.authTimeout);
  conn.abort(CloseReason::kTlsHandshake);
  return true;
}

void Server::requestReload() {
  reloadRequested_.store(true);
  wake();
}

void Server::reloadIfAsked() {
  if (!reloadRequested_.exchange(false)) return;
  if (!config_.tls && !config_.users && !config_.jwt) {
    log(LogLevel::kInfo, "SIGHUP: nothing to reload (no --tls-cert, no --users, no JWT key)");
    return;
  }
  std::string error;
  if (config_.jwt) {
    if (config_.jwt->reload(error)) {
      log(LogLevel::kInfo, "SIGHUP: reloaded the JWT key '{}'; new authentications use it", config_.jwt->path());
    } else {
      log(LogLevel::kError, "SIGHUP: {}; the previous JWT key stays in use", error);
    }
  }
  if (config_.users) {
    if (config_.users->reload(error)) {
      log(LogLevel::kInfo, "SIGHUP: reloaded --users '{}'; new authentications use it", config_.users->path());
    } else {
      log(LogLevel::kError, "SIGHUP: --users {}; the previous users stay in use", error);
    }
  }
  if (!config_.tls) return;
  if (config_.tls->reload(error)) {
    log(LogLevel::kInfo, "SIGHUP: reloaded --tls-cert '{}'; new handshakes use it", config_.tls->files().cert);
  } else {
    log(LogLevel::kError, "SIGHUP: {}; the previous certificate stays in use", error);
  }
}

}  // namespace linecast
