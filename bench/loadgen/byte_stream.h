#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstddef>

#include "loadgen/tls_stream.h"

namespace linecast::bench {

// The bytes under a protocol: a connection's non-blocking socket, or TLS
// over it. read() and write() return what recv()/send() would. A layer on
// top (WebSocket framing) holds one of these, so it works the same with and
// without --tls.
struct ByteStream {
  int fd = -1;
  TlsStream* tls = nullptr;  // not owned; null: plaintext

  ssize_t read(char* buffer, std::size_t size) const {
    return tls ? tls->read(buffer, size) : ::read(fd, buffer, size);
  }
  ssize_t write(const char* data, std::size_t size) const {
    return tls ? tls->write(data, size) : ::send(fd, data, size, MSG_NOSIGNAL);
  }
};

}  // namespace linecast::bench
