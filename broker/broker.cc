#include "broker.h"

#include "channel.h"

namespace linecast {

std::size_t Broker::publish(std::string_view channel, std::string_view payload) {
  static constexpr std::string_view kMsg = "MSG ";
  ++metrics_.messagesPublished;
  std::size_t delivered = 0;
  if (router_.subscriptionCount() > 0 && checkPublishChannel(channel) == ChannelStatus::kValid) {
    // Looked for only once a line subscriber matches: most payloads come
    // from line PUBs and HTTP, which cannot hold a '\n'.
    int lineSafe = -1;
    router_.match(channel, [&](Subscriber* sub) {
      auto* conn = static_cast<Connection*>(sub);
      if (!conn->open()) return;
      if (lineSafe < 0) lineSafe = payload.find('\n') == std::string_view::npos;
      if (!lineSafe) {
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
