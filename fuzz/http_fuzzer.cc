// Fuzz target: the HTTP API (HttpProtocol over Node's http-parser).
//
// Input: a flags byte (--max-line, whether a token is required, keep the
// output or not), a byte seeding how the rest is cut into reads, then the
// bytes a client sends to --http-port. HttpProtocol processes them read by
// read on a Connection, as the server does, with a line-protocol subscriber
// on the same Broker receiving what POST /pub publishes. Checked:
//   - every response is "HTTP/1.1 <status> ..." with a status the spec
//     names, a Content-Length and that many body bytes (none for HEAD);
//   - a response with "Connection: close" is the last one;
//   - what one request keeps (URL, Authorization, body) stays within the
//     spec's bounds (8 KiB, 8 KiB, max-line);
//   - each published message reaches the subscriber as one valid MSG line.
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "routing/broker.h"
#include "net/connection.h"
#include "fuzz_input.h"
#include "protocols/http/http_protocol.h"
#include "protocols/line/line_parser.h"
#include "protocols/line/line_protocol.h"
#include "metrics.h"
#include "stream_check.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxLines[] = {8, 64, 1024, 4096};
constexpr std::size_t kMaxRead = 4096;
constexpr std::size_t kMaxOutbuf = 1 << 20;

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::uint8_t flags = input.byte();
  std::size_t maxLine = kMaxLines[flags & 3];
  bool token = flags & 4;
  std::uint32_t rng = 0x2545F491u ^ input.byte();
  std::string_view stream = input.rest();

  Metrics metrics;
  Broker broker(metrics);
  // --read-timeout 1: the fuzzer's clock is moved past it now and then.
  LineProtocol line(broker, LineProtocolSettings{1024, 10000, ""});
  HttpProtocol http(broker, line, HttpSettings{maxLine, token ? "s3cret" : "", 1.0});
  EndOfTurn endOfTurn;
  Connection conn(-1, 16, PeerAddress{}, maxLine, kMaxOutbuf, endOfTurn, 0);
  conn.setSession(http.open(conn));
  conn.authenticated = true;
  Connection sub(-1, 17, PeerAddress{}, 1024, kMaxOutbuf, endOfTurn, 0);
  sub.setSession(line.open(sub));
  sub.authenticated = true;
  {
    // Subscribed the way a client is: through the line protocol.
    std::vector<char> scratch(1024 + 1);
    std::string_view command = "SUB > * a a.> room1.tv.volume\n";
    sub.input().reserve(command.size(), 1024);
    sub.input().append(command);
    sub.session().onInput(sub, scratch, 0);
    FUZZ_CHECK(sub.open() && sub.output().empty() && broker.subscriptionCount() == 5);
  }

  std::string responses;
  std::string delivered;
  // Room for a WebSocket message after an upgrade (the Server's scratch).
  std::vector<char> scratch(maxLine + 1);
  bool switched = false;
  double now = 0;
  std::size_t fed = 0;
  while (fed < stream.size() && conn.open()) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    std::size_t chunk = std::min<std::size_t>(1 + rng % kMaxRead, stream.size() - fed);
    FUZZ_CHECK(conn.input().reserve(chunk, maxLine + 2 + 64 * 1024));
    conn.input().append(stream.substr(fed, chunk));
    fed += chunk;
    now += 0.001;
    conn.session().onInput(conn, scratch, now);
    // An upgrade (/ws, /sub/): the new session takes the rest, as the
    // Server hands it over.
    while (auto next = conn.takeUpgrade()) {
      conn.setSession(std::move(next));
      switched = true;
      if (conn.open() && !conn.input().empty()) conn.session().onInput(conn, scratch, now);
    }
    if (conn.session().kind() == SessionKind::kHttp) {
      // process() keeps nothing in the ring: http-parser copies what it needs.
      if (conn.open()) FUZZ_CHECK(conn.input().empty());
      const auto& session = static_cast<const HttpSession&>(conn.session());
      FUZZ_CHECK(session.url.size() <= 8 * 1024);
      FUZZ_CHECK(session.headerField.size() <= 256);
      for (const std::string& value : session.headers) FUZZ_CHECK(value.size() <= 8 * 1024);
      FUZZ_CHECK(session.body.size() <= maxLine);
    }
    if ((rng >> 24) == 0 && conn.open()) conn.session().checkTimeouts(conn, now + 2);  // now and then
    for (auto span : conn.output().readableSpans()) responses.append(span.data(), span.size());
    conn.output().clear();
    for (auto span : sub.output().readableSpans()) delivered.append(span.data(), span.size());
    sub.output().clear();
    endOfTurn.flush.clear();
    endOfTurn.close.clear();
  }
  FUZZ_CHECK(httpStreamValid(responses));
  LineKind last;
  std::string_view tail;
  FUZZ_CHECK(lineStreamValid(delivered, last, tail));
  FUZZ_CHECK(tail.empty());
  FUZZ_CHECK(last == LineKind::kNone || last == LineKind::kMsg);
  // A WebSocket or a stream may have subscribed too.
  if (!switched) FUZZ_CHECK(metrics.messagesDelivered == metrics.messagesPublished);
  broker.unsubscribeAll(conn);
  broker.unsubscribeAll(sub);
  return 0;
}
