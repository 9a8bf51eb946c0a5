#pragma once

#include <cstdint>
#include <string>

#include "net/peer_address.h"

namespace linecast {

// A listening TCP socket (non-blocking, close-on-exec, SO_REUSEADDR). It
// owns its descriptor and a spare one kept open for EMFILE: when the process
// runs out of descriptors, the spare is closed to accept and drop the
// waiting connection, so the listen queue drains instead of waking the
// reactor forever.
class Listener {
 public:
  // Throws std::system_error with a readable message on failure.
  Listener(const std::string& bindAddress, std::uint16_t port);
  ~Listener();
  Listener(const Listener&) = delete;
  Listener& operator=(const Listener&) = delete;

  int fd() const { return fd_; }
  std::uint16_t port() const { return port_; }
  const std::string& address() const { return address_; }

  enum class AcceptResult { kAccepted, kDrained, kDropped, kStalled, kError };
  // Accepts one connection into fd/peer. kDropped: over the fd limit, the
  // connection was accepted and closed at once. kStalled: over the fd limit
  // with no spare descriptor to shed with; connections wait in the queue.
  AcceptResult acceptOne(int& fd, PeerAddress& peer);
  void close();

 private:
  AcceptResult shedOne(int& fd);

  int fd_ = -1;
  int spareFd_ = -1;
  std::uint16_t port_ = 0;
  std::string address_;
};

// "127.0.0.1:5000" or "[::1]:5000".
std::string formatAddress(const void* sockaddrStorage);

}  // namespace linecast
