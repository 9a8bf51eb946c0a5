// Fuzz target: MQTT sessions (docs/PROTOCOL.md, "MQTT 3.1.1"), the
// protocol above the codec: CONNECT and its refusals, take-over,
// persistent sessions going offline and back, QoS 1/2 windows and queues,
// retained messages, wills, keep-alive, malformed packets.
//
// Input: operations on up to three connections of one MqttProtocol (with
// its own Broker, no sockets: the bytes go straight into each connection's
// input ring and its output is read back from the output ring): open a
// connection, feed it bytes (whole packets or any bytes), read its output,
// end it (EOF), let time pass (the cron's timeouts). Small limits:
// --max-line 256, 4 KiB of output per connection, a window of 2, a queue
// of 3. Checked:
//   - no crash and no sanitizer report;
//   - everything a connection is sent is a sequence of whole packets of the
//     types a server sends (CONNACK, PUBLISH, the acks, SUBACK, UNSUBACK,
//     PINGRESP), the first of them a CONNACK;
//   - when every connection has ended, the gauges are not negative, and the
//     session gauge is back to 0 once the protocol is gone (a session left
//     pointing at a destroyed connection is ASan's to find, at the next
//     delivery to it).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_input.h"
#include "metrics.h"
#include "net/connection.h"
#include "protocols/mqtt/mqtt_protocol.h"
#include "routing/broker.h"
#include "util/log.h"

namespace linecast::fuzz {
namespace {

constexpr std::size_t kMaxConnections = 3;
constexpr std::size_t kMaxLine = 256;
constexpr std::size_t kMaxOutbuf = 4096;
constexpr std::size_t kMaxOps = 128;

struct Client {
  std::unique_ptr<Connection> conn;
  std::string received;  // output not yet checked
  bool sawConnack = false;
};

// Checks and drops the whole packets at the front of what a client received.
void checkOutput(Client& c) {
  RingBuffer& out = c.conn->output();
  while (!out.empty()) {
    std::span<const char> first = out.readableSpans()[0];
    c.received.append(first.data(), first.size());
    out.consume(first.size());
  }
  for (;;) {
    if (c.received.size() < 2) return;
    std::size_t length = 0;
    std::size_t multiplier = 1;
    std::size_t at = 1;
    bool whole = false;
    while (at < c.received.size() && at <= 4) {
      auto d = static_cast<std::uint8_t>(c.received[at++]);
      length += (d & 0x7F) * multiplier;
      multiplier *= 128;
      if ((d & 0x80) == 0) {
        whole = true;
        break;
      }
    }
    FUZZ_CHECK(whole || at <= 4);
    if (!whole || c.received.size() < at + length) return;
    int type = static_cast<std::uint8_t>(c.received[0]) >> 4;
    FUZZ_CHECK(type == 2 || type == 3 || type == 4 || type == 5 || type == 6 || type == 7 || type == 9 ||
               type == 11 || type == 13);
    FUZZ_CHECK(c.sawConnack || type == 2);
    c.sawConnack = true;
    c.received.erase(0, at + length);
  }
}

void end(Client& c) {
  if (!c.conn) return;
  if (c.conn->open()) c.conn->drain(CloseReason::kPeerClosed);
  checkOutput(c);
  c.conn->session().dropSubscriptions(*c.conn);
  c.conn.reset();
  c.received.clear();
  c.sawConnack = false;
}

// A few whole packets, so short inputs reach the sessions' states.
constexpr std::string_view kPackets[] = {
    {"\x10\x0e\x00\x04MQTT\x04\x02\x00\x01\x00\x02id", 16},          // CONNECT clean, keep-alive 1
    {"\x10\x0e\x00\x04MQTT\x04\x00\x00\x00\x00\x02id", 16},          // CONNECT persistent
    {"\x82\x06\x00\x01\x00\x01#\x02", 8},                            // SUBSCRIBE # QoS 2
    {"\x82\x08\x00\x02\x00\x03a/+\x01", 10},                         // SUBSCRIBE a/+ QoS 1
    {"\x32\x08\x00\x03a/b\x00\x07x", 10},                            // PUBLISH QoS 1
    {"\x35\x08\x00\x03a/b\x00\x08r", 10},                            // PUBLISH QoS 2 retain
    {"\x31\x05\x00\x03a/b", 7},                                      // PUBLISH retained, empty
    {"\x40\x02\x00\x01", 4}, {"\x50\x02\x00\x01", 4}, {"\x62\x02\x00\x08", 4}, {"\x70\x02\x00\x01", 4},
    {"\xa2\x05\x00\x03\x00\x01#", 7},                                // UNSUBSCRIBE #
    {"\xc0\x00", 2}, {"\xe0\x00", 2},                                // PINGREQ, DISCONNECT
    {"\x10\x1a\x00\x04MQTT\x04\x2e\x00\x00\x00\x02id\x00\x03w/t\x00\x04gone", 28},  // will QoS 1 retain
};

}  // namespace
}  // namespace linecast::fuzz

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace linecast;
  using namespace linecast::fuzz;
  static bool quiet = (setLogLevel(LogLevel::kError), true);
  (void)quiet;
  Metrics metrics;
  Broker broker(metrics);
  EndOfTurn endOfTurn;
  double now = 1000;
  std::uint64_t nextId = 1;
  {
    MqttProtocol protocol(broker, MqttProtocolSettings{kMaxLine, "", 5, nullptr, nullptr, MqttLimits{2, 3},
                                                       RetainedLimits{4, 64}, nullptr});
    Client clients[kMaxConnections];
    Input in(data, size);
    char scratch[kMaxLine + 1];
    for (std::size_t op = 0; op < kMaxOps && !in.empty(); ++op) {
      Client& c = clients[in.below(kMaxConnections)];
      switch (in.below(6)) {
        case 0:  // open
          if (c.conn) break;
          c.conn = std::make_unique<Connection>(-1, nextId++, PeerAddress{}, kMaxLine, kMaxOutbuf, endOfTurn, now);
          c.conn->setSession(protocol.open(*c.conn));
          break;
        case 1:    // any bytes
        case 2: {  // a whole packet
          if (!c.conn || !c.conn->open()) break;
          std::string_view bytes = in.byte() % 2 == 0 ? in.bytes(in.byte()) : kPackets[in.below(std::size(kPackets))];
          if (!c.conn->absorbInput(bytes.data(), bytes.size())) break;
          c.conn->session().onInput(*c.conn, std::span<char>(scratch, sizeof scratch), now);
          break;
        }
        case 3:  // the client reads
          if (c.conn) checkOutput(c);
          break;
        case 4:  // EOF
          end(c);
          break;
        default:  // time passes; the cron
          now += in.byte() / 10.0;
          for (Client& each : clients) {
            if (each.conn && each.conn->open()) each.conn->session().checkTimeouts(*each.conn, now);
          }
          break;
      }
      // The turn's lists are the Server's business: nothing here flushes.
      endOfTurn.flush.clear();
      endOfTurn.close.clear();
      for (Client& each : clients) {
        if (each.conn) each.conn->flushQueued = false;
      }
    }
    for (Client& each : clients) end(each);
    FUZZ_CHECK(metrics.mqttSessions.load() >= 0);
    FUZZ_CHECK(metrics.mqttQueuedMessages.load() >= 0);
  }
  FUZZ_CHECK(metrics.mqttSessions.load() == 0);
  return 0;
}
