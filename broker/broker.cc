#include "broker.h"

#include "channel.h"

namespace linecast {

const PublishRoute& Broker::route(std::string_view channel) {
  if (channel.size() > kMaxChannelLength) return invalid_;
  bool hit;
  PublishRoute& route = routes_.slot(channel, hit);
  if (route.status == ChannelStatus::kValid && route.routerVersion != router_.version()) {
    refill(route);
  }
  return route;
}

void Broker::refill(PublishRoute& route) {
  route.subscribers.clear();
  if (router_.subscriptionCount() > 0) {
    router_.match(route.channel, [&route](Subscriber* sub) {
      route.subscribers.push_back(static_cast<Connection*>(sub));
    });
  }
  route.routerVersion = router_.version();
}

std::size_t Broker::deliver(const PublishRoute& route, std::string_view payload) {
  ++metrics_.messagesPublished;
  std::size_t delivered = 0;
  for (Connection* conn : route.subscribers) {
    // queue() cuts a subscriber over its output limit; it is closed at the
    // end of the turn, never here in the middle of the fan-out.
    if (conn->open() && conn->queue(route.msgPrefix, payload, '\n')) ++delivered;
  }
  delivered += deliverToResp(route.channel, payload);
  metrics_.messagesDelivered += delivered;
  return delivered;
}

std::size_t Broker::publishAnyBytes(std::string_view channel, std::string_view payload) {
  const PublishRoute& found = route(channel);
  if (found.status == ChannelStatus::kValid && payload.find('\n') == std::string_view::npos) {
    return deliver(found, payload);
  }
  ++metrics_.messagesPublished;
  if (found.status == ChannelStatus::kValid) {
    for (Connection* conn : found.subscribers) {
      if (conn->open()) ++metrics_.messagesUndeliverable;
    }
  }
  std::size_t delivered = deliverToResp(channel, payload);
  metrics_.messagesDelivered += delivered;
  return delivered;
}

bool Broker::subscribe(Connection& conn, std::string_view pattern) {
  auto [it, added] = conn.patterns().emplace(pattern);
  if (!added) return false;
  router_.subscribe(&conn, *it);
  return true;
}

bool Broker::unsubscribe(Connection& conn, std::string_view pattern) {
  auto it = conn.patterns().find(pattern);
  if (it == conn.patterns().end()) return false;
  router_.unsubscribe(&conn, *it);
  conn.patterns().erase(it);
  return true;
}

void Broker::unsubscribeAll(Connection& conn) {
  for (const std::string& pattern : conn.patterns()) router_.unsubscribe(&conn, pattern);
  conn.patterns().clear();
  respIndex_.unsubscribeAll(conn);
}

}  // namespace linecast
