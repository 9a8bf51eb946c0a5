#include "broker.h"

namespace linecast {

std::size_t Broker::publish(std::string_view channel, std::string_view payload) {
  static constexpr std::string_view kMsg = "MSG ";
  ++metrics_.messagesPublished;
  std::size_t delivered = 0;
  router_.match(channel, [&](Subscriber* sub) {
    auto* conn = static_cast<Connection*>(sub);
    if (!conn->open()) return;
    // queue() cuts a subscriber over its output limit; it is closed at the
    // end of the turn, never here in the middle of the fan-out.
    if (conn->queue(kMsg, channel, ' ', payload, '\n')) ++delivered;
  });
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
}

}  // namespace linecast
