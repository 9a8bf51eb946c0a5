#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string_view>

#include "util/log.h"
#include "server.h"

namespace linecast::testing {

// A Server on an ephemeral loopback port, driven turn by turn from the test's
// own thread, and non-blocking client sockets to talk to it. Everything runs
// on one thread, so counters read between turns are exact.
inline Config inProcessConfig() {
  Config config;
  config.port = 0;
  config.httpPort = 0;
  config.logLevel = "warn";
  setLogLevel(LogLevel::kWarn);
  return config;
}

// rcvbuf > 0: that receive window, set before connect so that it stays small
// (a subscriber that reads slowly).
inline int connectTo(std::uint16_t port, int rcvbuf = 0) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (rcvbuf > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  ::fcntl(fd, F_SETFL, O_NONBLOCK);
  return fd;
}

// Sends all bytes, turning the server whenever the socket is full.
inline bool sendAll(Server& server, int fd, std::string_view bytes) {
  for (int spins = 0; !bytes.empty() && spins < 100000; ++spins) {
    ssize_t n = ::send(fd, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n > 0) {
      bytes.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
      return false;
    } else {
      server.runOnce(1);
    }
  }
  return bytes.empty();
}

// Reads whatever is there into buf; counts the '\n' seen. No allocation.
inline std::size_t drainLines(int fd, char* buf, std::size_t size) {
  std::size_t lines = 0;
  for (;;) {
    ssize_t n = ::recv(fd, buf, size, 0);
    if (n <= 0) return lines;
    for (ssize_t i = 0; i < n; ++i) lines += buf[i] == '\n';
  }
}

}  // namespace linecast::testing
