#pragma once

#include <string_view>

#include "connection.h"
#include "metrics.h"
#include "resp_index.h"
#include "router.h"

namespace linecast {

// The protocol-independent core: who is subscribed to what, and delivering
// a published message to every matching connection. Both protocols share one
// channel space: line-protocol subscriptions live in the Router, RESP ones
// in the RespIndex, and a publish from either side reaches both. It only
// appends frames to output rings; writing and closing wait for the end of
// the turn.
class Broker {
 public:
  explicit Broker(Metrics& metrics) : metrics_(metrics) {}

  // Delivers to every open line-protocol connection with a matching
  // subscription, once per connection, and to RESP subscribers the way
  // Redis does (once per matching channel and pattern). Returns the number
  // of deliveries. For the line protocol and HTTP, which have already
  // checked the channel and cannot carry a '\n' in a payload.
  std::size_t publish(std::string_view channel, std::string_view payload);
  // For RESP, whose channel and payload may be any bytes: a channel that is
  // not a valid PUB channel matches no line subscription, and a payload with
  // '\n' (which cannot be a MSG line) reaches RESP subscribers only and
  // counts as undeliverable for each line subscriber it skips.
  std::size_t publishAnyBytes(std::string_view channel, std::string_view payload);

  // The pattern must be valid. Returns false if the connection held it.
  bool subscribe(Connection& conn, std::string_view pattern);
  // Returns false if the connection did not hold the pattern.
  bool unsubscribe(Connection& conn, std::string_view pattern);
  // Line and RESP subscriptions of the connection.
  void unsubscribeAll(Connection& conn);

  // Line plus RESP subscriptions, for the linecast_subscriptions gauge.
  std::size_t subscriptionCount() const {
    return router_.subscriptionCount() + respIndex_.subscriptionCount();
  }

  Router& router() { return router_; }
  RespIndex& respIndex() { return respIndex_; }
  Metrics& metrics() { return metrics_; }

 private:
  enum class LineRouting { kDeliver, kNone, kCountUndeliverable };
  std::size_t fanOut(std::string_view channel, std::string_view payload, LineRouting routing);

  Router router_;
  RespIndex respIndex_;
  Metrics& metrics_;
};

}  // namespace linecast
