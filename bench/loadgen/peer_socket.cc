#include "loadgen/peer_socket.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>

#include <fmt/format.h>

namespace linecast::bench {
namespace {

// The kernel prints an address as the raw network-order 32-bit words in
// host-order hex (%08X each), then ':' and the port in hex.
std::string procAddress(const sockaddr_storage& ss) {
  std::string out;
  std::uint16_t port = 0;
  if (ss.ss_family == AF_INET) {
    const auto& a = reinterpret_cast<const sockaddr_in&>(ss);
    out = fmt::format("{:08X}", a.sin_addr.s_addr);
    port = ntohs(a.sin_port);
  } else {
    const auto& a = reinterpret_cast<const sockaddr_in6&>(ss);
    std::uint32_t words[4];
    std::memcpy(words, &a.sin6_addr, sizeof words);
    for (std::uint32_t w : words) out += fmt::format("{:08X}", w);
    port = ntohs(a.sin6_port);
  }
  return out + fmt::format(":{:04X}", port);
}

}  // namespace

std::optional<PeerSocket> findPeerSocket(int fd) {
  sockaddr_storage local{}, peer{};
  socklen_t len = sizeof local;
  if (getsockname(fd, reinterpret_cast<sockaddr*>(&local), &len) != 0) return std::nullopt;
  len = sizeof peer;
  if (getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) != 0) return std::nullopt;
  // The broker's socket: its local address is our peer and vice versa.
  std::string want = procAddress(peer) + " " + procAddress(local);
  std::ifstream table(local.ss_family == AF_INET ? "/proc/net/tcp" : "/proc/net/tcp6");
  std::string line;
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, localText, remoteText, state, queues;
    if (!(fields >> slot >> localText >> remoteText >> state >> queues)) continue;
    if (localText + " " + remoteText != want) continue;
    PeerSocket s;
    s.established = state == "01";
    s.sendQueueBytes = std::stoull(queues.substr(0, queues.find(':')), nullptr, 16);
    return s;
  }
  return std::nullopt;
}

}  // namespace linecast::bench
