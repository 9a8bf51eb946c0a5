#pragma once

#include <memory>
#include <string_view>

#include "net/session.h"

namespace linecast {

class Connection;

// One wire protocol on one reactor thread: its settings and reusable
// buffers, shared by all its connections there. A listener lists the
// protocols it speaks in the order they are tried on a connection's first
// byte (docs/ARCHITECTURE.md, "Adding a protocol"); the last one listed is
// the fallback and must claim every byte.
class Protocol {
 public:
  virtual ~Protocol() = default;

  // The name listeners use for it ("line", "resp", "http").
  virtual std::string_view name() const = 0;

  // First-byte detection: whether a connection that starts with `firstByte`
  // speaks this protocol.
  virtual bool claims(char firstByte) const = 0;

  // A new session for the connection (it may also size the connection's
  // input, see Connection::setMaxPending).
  virtual std::unique_ptr<Session> open(Connection& conn) = 0;
};

}  // namespace linecast
