#include "broker.h"

#include "channel.h"

namespace linecast {

std::size_t Broker::publish(std::string_view channel, std::string_view payload) {
  return fanOut(channel, payload, LineRouting::kDeliver);
}

std::size_t Broker::publishAnyBytes(std::string_view channel, std::string_view payload) {
  LineRouting routing = LineRouting::kDeliver;
  if (checkPublishChannel(channel) != ChannelStatus::kValid) {
    routing = LineRouting::kNone;
  } else if (payload.find('\n') != std::string_view::npos) {
    routing = LineRouting::kCountUndeliverable;
  }
  return fanOut(channel, payload, routing);
}

std::size_t Broker::fanOut(std::string_view channel, std::string_view payload, LineRouting routing) {
  static constexpr std::string_view kMsg = "MSG ";
  ++metrics_.messagesPublished;
  std::size_t delivered = 0;
  if (routing != LineRouting::kNone && router_.subscriptionCount() > 0) {
    router_.match(channel, [&](Subscriber* sub) {
      auto* conn = static_cast<Connection*>(sub);
      if (!conn->open()) return;
      if (routing == LineRouting::kCountUndeliverable) {
        ++metrics_.messagesUndeliverable;
        return;
      }
      // queue() cuts a subscriber over its output limit; it is closed at the
      // end of the turn, never here in the middle of the fan-out.
      if (conn->queue(kMsg, channel, ' ', payload, '\n')) ++delivered;
    });
  }
  delivered += respIndex_.publish(channel, payload);
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
