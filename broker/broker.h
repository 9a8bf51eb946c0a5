#pragma once

#include <string_view>

#include "connection.h"
#include "metrics.h"
#include "router.h"

namespace linecast {

// The protocol-independent core: who is subscribed to what, and delivering
// a published message to every matching connection. It only appends frames
// to output rings; writing and closing wait for the end of the turn.
class Broker {
 public:
  explicit Broker(Metrics& metrics) : metrics_(metrics) {}

  // Delivers to every open connection with a matching subscription, once
  // per connection. Returns the number of deliveries.
  std::size_t publish(std::string_view channel, std::string_view payload);

  // The pattern must be valid. Returns false if the connection held it.
  bool subscribe(Connection& conn, std::string_view pattern);
  bool unsubscribe(Connection& conn, std::string_view pattern);
  void unsubscribeAll(Connection& conn);

  Router& router() { return router_; }
  Metrics& metrics() { return metrics_; }

 private:
  Router router_;
  Metrics& metrics_;
};

}  // namespace linecast
