#include "protocols/http/sse_session.h"

#include <cstring>

#include "protocols/line/line_session.h"

namespace linecast {

bool SseSession::deliver(Connection& conn, const Delivery& message) {
  std::string_view payload = message.payload;
  if (std::memchr(payload.data(), '\r', payload.size()) == nullptr) {
    return conn.queue(std::string_view("data: "), message.channel, ' ', payload, std::string_view("\n\n"));
  }
  // A CR ends a line in an event stream, so a payload's CR would cut the
  // event: each becomes a new data line, which EventSource joins with LF.
  bool queued = conn.queue(std::string_view("data: "), message.channel, ' ');
  for (std::size_t cr = payload.find('\r'); queued && cr != std::string_view::npos; cr = payload.find('\r')) {
    queued = conn.queue(payload.substr(0, cr), std::string_view("\ndata: "));
    payload.remove_prefix(cr + 1);
  }
  return queued && conn.queue(payload, std::string_view("\n\n"));
}

void SseSession::checkTimeouts(Connection& conn, double now) {
  if (conn.credentialsExpire() > 0 && now >= conn.credentialsExpire()) {
    conn.drain(CloseReason::kTokenExpired);
  } else if (keepalive_ > 0 && conn.idleSeconds(now) >= keepalive_) {
    conn.queue(std::string_view(": keepalive\n\n"));
    conn.markActive(now);  // the next one after as long again, written or not
  }
}

void SseSession::describe(const Connection& conn, SessionDescription& out) const {
  out.protocol = "sse";
  describeLineSubscriptions(conn, out);
}

}  // namespace linecast
