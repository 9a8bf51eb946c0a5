#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "net/tls_context.h"
#include "net/transport.h"

namespace linecast {

// One row of the listener table: where to listen and what to speak there.
// The Server binds one socket per row and knows nothing else about it; a
// new port (MQTT, TLS-only) is a new row, not a new member of the Server.
struct ListenerSpec {
  std::string name;  // "main", "http": in the logs and Server::listenerPort
  std::string bind;
  std::uint16_t port = 0;  // 0: an ephemeral port
  // Protocol names in first-byte detection order (Protocol::claims); the
  // last is the fallback that claims every byte. One name: no detection.
  std::vector<std::string> protocols;
  // Makes the transport of each connection accepted here; empty: the
  // plain socket (PlainTransport, shared, nothing made).
  std::function<std::unique_ptr<Transport>()> transport;
  // TLS: a connection whose first byte is 0x16 gets a TLS transport with
  // this store's current context; null: no TLS on this row.
  std::shared_ptr<TlsContextStore> tls;
  bool tlsRequired = false;  // then a plaintext first byte is refused
  // Every connection accepted here stays on reactor thread 0 (MQTT: its
  // session table and take-over need no lock; docs/ARCHITECTURE.md).
  bool firstThreadOnly = false;
};

}  // namespace linecast
