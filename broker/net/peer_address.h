#pragma once

#include <cstdint>
#include <string>

namespace linecast {

// A client's TCP address as accept4() or getpeername() gave it, packed:
// 16 address bytes (IPv4 in the first 4) and the port, 18 bytes that may
// sit at any offset, and whether it is IPv6. Formatted only when read (logs,
// CLIENT LIST), never per message. A Connection keeps the bytes and the
// family apart, the family as a bit beside its state (issue 14: 168 B, the
// 176-byte chunk; docs/notes-mqtt-compact.md, step 12).
struct PeerAddress {
  struct Bytes {
    unsigned char address[16] = {};
    unsigned char port[2] = {};  // network order, as in the sockaddr
  };
  Bytes bytes;
  bool v6 = false;

  // From a sockaddr_storage: AF_INET6 is kept as IPv6, anything else read
  // as AF_INET, as formatAddress() reads it (a failed getpeername's zeros
  // print "0.0.0.0:0").
  static PeerAddress of(const void* sockaddrStorage);
  // Byte for byte formatAddress() of the sockaddr it came from:
  // "127.0.0.1:5000" or "[::1]:5000".
  std::string format() const;
};
static_assert(sizeof(PeerAddress::Bytes) == 18 && alignof(PeerAddress::Bytes) == 1);

}  // namespace linecast
