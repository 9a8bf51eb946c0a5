#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linecast {

class Connection;

// Redis's CLIENT LIST / CLIENT KILL selection, over connections of every
// protocol (docs/PROTOCOL.md, "RESP"). Empty fields select everything.
struct ClientFilter {
  // Redis's client types: a connection with subscriptions is "pubsub", any
  // other "normal"; linecast has no master or replica connections, so those
  // select nothing.
  enum class Type { kAny, kNormal, kPubsub, kNone };
  Type type = Type::kAny;
  std::vector<std::uint64_t> ids;  // CLIENT LIST ID ... / CLIENT KILL ID
  std::string addr;                // the peer, "ip:port"
  std::string laddr;               // the local end, "ip:port"
  std::string user;
  bool userSet = false;
  std::uint64_t skip = 0;          // SKIPME yes: the asking connection; 0: none

  // Everything but laddr, which the caller compares (it caches local
  // addresses: a getsockname per connection was a third of a CLIENT LIST).
  bool matches(const Connection& conn) const;
};

// Redis 7.0's name for a type, or kNone's sentinel: false for an unknown name.
bool parseClientType(std::string_view name, ClientFilter::Type& type);

// Appends conn's CLIENT LIST line, without its '\n', in Redis 7.0.15's
// fields and order plus linecast's `protocol=` (docs/PROTOCOL.md). `laddr`
// is its localAddress(); `now` the monotonic clock of its thread.
void appendClientLine(std::string& out, const Connection& conn, std::string_view laddr, double now);

// The local end of a socket, "ip:port" as Redis prints it; "?" when the
// socket cannot say.
std::string localAddress(int fd);

}  // namespace linecast
