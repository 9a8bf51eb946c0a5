#include "net/peer_address.h"

#include <netinet/in.h>
#include <sys/socket.h>

#include <cstring>

#include "net/listener.h"

namespace linecast {

PeerAddress PeerAddress::of(const void* sockaddrStorage) {
  PeerAddress peer;
  const auto* sa = static_cast<const sockaddr*>(sockaddrStorage);
  if (sa->sa_family == AF_INET6) {
    const auto* in6 = static_cast<const sockaddr_in6*>(sockaddrStorage);
    peer.v6 = true;
    std::memcpy(peer.bytes.address, &in6->sin6_addr, 16);
    std::memcpy(peer.bytes.port, &in6->sin6_port, 2);
  } else {
    const auto* in4 = static_cast<const sockaddr_in*>(sockaddrStorage);
    std::memcpy(peer.bytes.address, &in4->sin_addr, 4);
    std::memcpy(peer.bytes.port, &in4->sin_port, 2);
  }
  return peer;
}

std::string PeerAddress::format() const {
  sockaddr_storage storage{};
  if (v6) {
    auto* in6 = reinterpret_cast<sockaddr_in6*>(&storage);
    in6->sin6_family = AF_INET6;
    std::memcpy(&in6->sin6_addr, bytes.address, 16);
    std::memcpy(&in6->sin6_port, bytes.port, 2);
  } else {
    auto* in4 = reinterpret_cast<sockaddr_in*>(&storage);
    in4->sin_family = AF_INET;
    std::memcpy(&in4->sin_addr, bytes.address, 4);
    std::memcpy(&in4->sin_port, bytes.port, 2);
  }
  return formatAddress(&storage);
}

}  // namespace linecast
