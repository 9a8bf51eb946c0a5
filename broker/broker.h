#pragma once

#include <string_view>

#include "connection.h"
#include "metrics.h"
#include "resp_index.h"
#include "route_cache.h"
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

  // The cached route of a channel, its subscriber list current. The line
  // protocol checks route.status, then calls deliver(): one lookup for both.
  const PublishRoute& route(std::string_view channel);

  // Delivers to every open line-protocol subscriber of the route, once per
  // connection, and to RESP subscribers the way Redis does (once per
  // matching channel and pattern). Returns the number of deliveries. The
  // route must be valid, and the payload must not hold a '\n'.
  std::size_t deliver(const PublishRoute& route, std::string_view payload);

  // route() plus deliver(), for HTTP, whose channel is already checked.
  std::size_t publish(std::string_view channel, std::string_view payload) {
    return deliver(route(channel), payload);
  }
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
  void refill(PublishRoute& route);
  std::size_t deliverToResp(std::string_view channel, std::string_view payload) {
    return respIndex_.subscriptionCount() > 0 ? respIndex_.publish(channel, payload) : 0;
  }

  Router router_;
  RespIndex respIndex_;
  RouteCache routes_;
  PublishRoute invalid_;  // for names too long to be a channel, never cached
  Metrics& metrics_;
};

}  // namespace linecast
