#pragma once

#include <cstdint>
#include <optional>

namespace linecast::bench {

// The broker's end of one of our loopback connections, as the kernel lists
// it in /proc/net/tcp{,6}. A stalled subscriber never reads, so it cannot
// see the broker cut it (the FIN waits behind the unsent data); the broker's
// socket can: it leaves ESTABLISHED when the broker closes it.
struct PeerSocket {
  bool established = false;
  std::uint64_t sendQueueBytes = 0;  // what the broker's kernel still holds for us
};

// nullopt: the broker's socket is gone (or the peer is not on this machine).
std::optional<PeerSocket> findPeerSocket(int fd);

}  // namespace linecast::bench
