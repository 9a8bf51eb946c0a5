// Fuzz target: RESP2 and RESP3 (RespParser + RespProtocol, docs/PROTOCOL.md
// "Redis clients").
//
// Input: a flags byte (--max-line, whether a token is required), a byte
// seeding how the rest is cut into reads, then the bytes of one connection
// whose first byte made it a RESP connection. RespProtocol processes them
// read by read on a Connection, with a RESP2 and a RESP3 (HELLO 3)
// connection and a line-protocol connection subscribed on the same Broker.
// Checked:
//   - every byte sent back is a well-formed RESP2/RESP3 reply;
//   - a connection closed by a protocol error got a '-' error last;
//   - the unparsed input left in the ring never passes the parser's
//     maxPending(), so a read always has room (the ring is sized by it);
//   - deliveries to the line subscriber are valid MSG lines, and to the
//     RESP subscriber valid RESP (CLIENT KILL may end any of them).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "routing/broker.h"
#include "net/connection.h"
#include "fuzz_input.h"
#include "protocols/line/line_protocol.h"
#include "metrics.h"
#include "protocols/resp/resp_protocol.h"
#include "protocols/resp/resp_session.h"
#include "stream_check.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxLines[] = {4, 64, 1024, 16384};
constexpr std::size_t kMaxRead = 4096;
constexpr std::size_t kMaxOutbuf = 1 << 20;

void collect(Connection& conn, std::string& into) {
  for (auto span : conn.output().readableSpans()) into.append(span.data(), span.size());
  conn.output().clear();
}

// Feeds the commands of a fixed client (a RESP subscriber) through the
// protocol so the fuzzed connection's PUBLISH has someone to reach.
void feed(Connection& conn, std::string_view bytes, std::span<char> scratch) {
  conn.input().reserve(bytes.size(), 1 << 20);
  conn.input().append(bytes);
  conn.session().onInput(conn, scratch, 0);
}

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  Input input(data, size);
  std::uint8_t flags = input.byte();
  std::size_t maxLine = kMaxLines[flags & 3];
  std::string token = (flags & 4) ? "s3cret" : "";
  std::uint32_t rng = 0x68E31DA4u ^ input.byte();
  std::string_view stream = input.rest();

  Metrics metrics;
  Broker broker(metrics);
  // CLIENT LIST/KILL see the four connections below (a kill of a
  // subscriber is checked like any close).
  std::vector<Connection*> everyone;
  double now = 0;
  ClientDirectory clients(
      [&](const std::function<void(Connection&)>& visit) {
        for (Connection* c : everyone) visit(*c);
      },
      now);
  RespProtocol resp(broker, clients, RespProtocolSettings{maxLine, 8, token});
  LineProtocol line(broker, LineProtocolSettings{64, 8, token});
  std::vector<char> scratch(maxLine + 1);
  EndOfTurn endOfTurn;

  Connection conn(-1, 16, PeerAddress{}, maxLine, kMaxOutbuf, endOfTurn, 0);
  conn.authenticated = token.empty();
  conn.setSession(resp.open(conn));
  const std::size_t maxPending = respSession(conn).parser.maxPending();

  Connection respSub(-1, 17, PeerAddress{}, maxLine, kMaxOutbuf, endOfTurn, 0);
  respSub.authenticated = true;
  respSub.setSession(resp.open(respSub));
  feed(respSub, "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n", scratch);

  Connection resp3Sub(-1, 19, PeerAddress{}, maxLine, kMaxOutbuf, endOfTurn, 0);
  resp3Sub.authenticated = true;
  resp3Sub.setSession(resp.open(resp3Sub));
  feed(resp3Sub, "*2\r\n$5\r\nHELLO\r\n$1\r\n3\r\n", scratch);
  resp3Sub.output().clear();
  feed(resp3Sub, "*2\r\n$9\r\nSUBSCRIBE\r\n$1\r\na\r\n*2\r\n$10\r\nPSUBSCRIBE\r\n$1\r\n*\r\n", scratch);

  Connection lineSub(-1, 18, PeerAddress{}, 64, kMaxOutbuf, endOfTurn, 0);
  lineSub.setSession(line.open(lineSub));
  lineSub.authenticated = true;
  lineSub.input().reserve(6, 1024);
  lineSub.input().append(std::string_view("SUB >\n"));
  lineSub.session().onInput(lineSub, scratch, 0);
  FUZZ_CHECK(lineSub.open() && lineSub.output().empty());
  everyone = {&conn, &respSub, &resp3Sub, &lineSub};

  // With the smallest --max-line the subscribers' own commands are too long
  // and close them: there is then nothing to compare between them.
  const bool bothSubscribed = respSub.open() && resp3Sub.open();
  std::string replies;
  std::string respDelivered;
  std::string resp3Delivered;
  std::string lineDelivered;
  collect(respSub, respDelivered);
  collect(resp3Sub, resp3Delivered);
  std::size_t fed = 0;
  while (fed < stream.size() && conn.open()) {
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    std::size_t chunk = std::min<std::size_t>(1 + rng % kMaxRead, stream.size() - fed);
    // Connection::readSocket's bound: one partial request plus a read.
    FUZZ_CHECK(conn.input().reserve(chunk, maxPending + 64 * 1024));
    conn.input().append(stream.substr(fed, chunk));
    fed += chunk;
    now += 0.001;
    conn.session().onInput(conn, scratch, now);
    if (conn.open()) FUZZ_CHECK(conn.input().size() <= maxPending);
    collect(conn, replies);
    collect(respSub, respDelivered);
    collect(resp3Sub, resp3Delivered);
    collect(lineSub, lineDelivered);
    endOfTurn.flush.clear();
    endOfTurn.close.clear();
  }

  bool lastIsError = false;
  bool lastIsOk = false;
  bool complete = false;
  FUZZ_CHECK(respStreamValid(replies, lastIsError, lastIsOk, complete));
  FUZZ_CHECK(complete);
  if (!conn.open() && conn.reason() == CloseReason::kProtocolError) FUZZ_CHECK(lastIsError);
  // (Unless CLIENT REPLY OFF or SKIP silenced QUIT's +OK.)
  if (!conn.open() && conn.reason() == CloseReason::kQuit && !conn.repliesOff) FUZZ_CHECK(lastIsOk);
  FUZZ_CHECK(respStreamValid(respDelivered, lastIsError, lastIsOk, complete));
  FUZZ_CHECK(complete);
  FUZZ_CHECK(respStreamValid(resp3Delivered, lastIsError, lastIsOk, complete));
  FUZZ_CHECK(complete);
  // One fan-out, two framings: the RESP3 subscriber's frames are the RESP2
  // one's with '>' for '*' at each top-level frame (both hold the same
  // subscriptions; their payloads may hold either byte).
  bool killed = respSub.reason() == CloseReason::kKilled || resp3Sub.reason() == CloseReason::kKilled;
  if (bothSubscribed && !killed) {
    FUZZ_CHECK(resp3Delivered.size() == respDelivered.size());
    std::size_t pos = 0;
    while (pos < respDelivered.size()) {
      std::size_t start = pos;
      bool isError = false;
      FUZZ_CHECK(parseRespReply(respDelivered, pos, isError) == RespStatus::kComplete);
      FUZZ_CHECK(respDelivered[start] == '*' && resp3Delivered[start] == '>');
      FUZZ_CHECK(std::string_view(respDelivered).substr(start + 1, pos - start - 1) ==
                 std::string_view(resp3Delivered).substr(start + 1, pos - start - 1));
    }
  }
  LineKind last;
  std::string_view tail;
  FUZZ_CHECK(lineStreamValid(lineDelivered, last, tail));
  FUZZ_CHECK(tail.empty());

  for (Connection* c : {&conn, &respSub, &resp3Sub, &lineSub}) {
    c->session().dropSubscriptions(*c);  // as the Server does before destroying it
    broker.unsubscribeAll(*c);
  }
  FUZZ_CHECK(broker.subscriptionCount() == 0);
  return 0;
}
