#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "net/session_kind.h"

namespace linecast {

class Connection;

// One published message on its way to one subscriber. The fan-out builds it
// once per message; each subscriber's session frames it in its own
// protocol. `linePrefix` is the route's cached "MSG <channel> ", which the
// line framing uses as is; other framings build theirs from `channel`.
struct Delivery {
  std::string_view channel;
  std::string_view payload;
  std::string_view linePrefix;
  // Whether the payload is valid UTF-8 (-1: not known yet): worked out by
  // the first subscriber that needs it (a WebSocket's text or binary
  // frame) for all the others of the same message.
  mutable signed char payloadUtf8 = -1;
};

// What a session tells CLIENT LIST about its connection (Redis's fields that
// depend on the protocol; broker/net/client_list.h formats the line).
// The views start as "" rather than null: fmt copies them with memcpy,
// which must not be handed a null pointer even for no bytes (UBSan).
struct SessionDescription {
  std::string_view protocol = "";    // "line", "resp", "http", "ws", "sse", "mqtt"
  std::string_view name = "";        // CLIENT SETNAME
  std::size_t channels = 0;          // sub=
  std::size_t patterns = 0;          // psub=
  std::size_t shardChannels = 0;     // ssub=
  long long queued = -1;             // multi=: commands queued in MULTI; -1: not in one
  std::size_t queuedBytes = 0;       // multi-mem=
  int resp = -1;                     // resp=: 2 or 3; -1: not a Redis client
  bool noEvict = false;              // flag e
  std::string_view lastCommand = "NULL";  // cmd=
};

// The protocol seam: what a connection's protocol does with its bytes, its
// deliveries, its timeouts and its end. Each protocol has one Session type
// (per-connection state, pointing at its protocol's per-thread handler);
// the reactor turn calls these and never names a protocol. A Connection
// owns its Session.
class Session {
 public:
  virtual ~Session() = default;

  // The protocol it speaks, for the per-protocol connection gauge.
  virtual SessionKind kind() const = 0;

  // Executes every complete request in conn.input(). `scratch` holds
  // --max-line + 1 bytes for a frame that wraps around the ring.
  virtual void onInput(Connection& conn, std::span<char> scratch, double now) = 0;

  // Queues one message for this subscriber in the protocol's framing.
  // False when it was not queued (closing, or cut as a slow consumer).
  virtual bool deliver(Connection& conn, const Delivery& message) = 0;

  // True when deliver() queues exactly linePrefix, payload, '\n': the
  // fan-out then copies those pieces itself, without the call (the route
  // caches that encoding because it is nearly every delivery of a busy
  // broker; a call per subscriber cost 8% of a 1->1 message).
  virtual bool framesAsRouteLine() const { return false; }

  // Called by the cron (every 100 ms) on an open connection: the protocol's
  // timeouts (authentication, a partial request, an idle keep-alive).
  virtual void checkTimeouts(Connection& conn, double now) = 0;

  // Sent, best effort and only at a frame boundary, when the connection is
  // cut as a slow consumer. Empty: the protocol has no such line (Redis
  // closes silently; an HTTP client would read it as a broken response).
  virtual std::string_view slowConsumerLine() const { return {}; }

  // The connection is plaintext under --tls-required: say so in the
  // protocol's words and close (docs/PROTOCOL.md, "TLS").
  virtual void refusePlaintext(Connection& conn) = 0;

  // The connection will deliver nothing more (it is half-closed or about
  // to be destroyed): forget what the protocol registered for it outside
  // the Router (the Broker drops its Router subscriptions itself). Called
  // once or twice; the second call finds nothing.
  virtual void dropSubscriptions(Connection& conn) { (void)conn; }

  // Its part of the connection's CLIENT LIST line.
  virtual void describe(const Connection& conn, SessionDescription& out) const = 0;
};

}  // namespace linecast
