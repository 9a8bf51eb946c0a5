#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace linecast::bench {

// The wire protocols the loadgen speaks, so that the same load can be put on
// linecast, NATS, Redis and MQTT brokers. Each protocol is an Encoder (appends client
// commands to an output buffer) and a Decoder (turns the server's byte
// stream into Events). Both know only bytes: no sockets, no clocks, so they
// are tested by feeding one byte at a time.
enum class Protocol { kLinecast, kNats, kResp, kMqtt };

std::optional<Protocol> parseProtocol(std::string_view name);
std::string_view protocolName(Protocol protocol);

enum class EventType {
  kMessage,     // a delivery: channel and payload
  kPong,        // the barrier's answer
  kPing,        // the server checks we are alive (NATS); answer with pong()
  kSubscribed,  // a subscription confirmed by its own reply (RESP, MQTT's SUBACK)
  kGreeting,    // the server's hello (NATS INFO); text is its JSON
  kOk,          // +OK
  kReply,       // any other reply (RESP's ":N" after PUBLISH); ignored
  kError,       // -ERR and friends; text is the message
  kUpgraded,    // WebSocket: the server accepted the upgrade (101)
  kAcked,       // MQTT's PUBACK: the QoS 1 PUBLISH packetId was taken
};

struct Event {
  EventType type;
  std::string_view channel;
  std::string_view payload;
  std::string_view text;
  // MQTT: a QoS 1 delivery's packet id (answer with PUBACK), or the id of
  // the SUBSCRIBE or PUBLISH acknowledged; 0 otherwise.
  std::uint16_t packetId = 0;
};

class EventSink {
 public:
  virtual void onEvent(const Event& event) = 0;

 protected:
  ~EventSink() = default;
};

class Encoder {
 public:
  virtual ~Encoder() = default;

  // The server speaks first (NATS INFO): wait for kGreeting before hello().
  virtual bool serverGreets() const = 0;
  // A subscribe is confirmed by its own reply (RESP); otherwise the client
  // follows it with ping() and waits for kPong.
  virtual bool subscribeConfirms() const = 0;

  virtual void hello(std::string& out) const = 0;
  // --user/--password: the login before anything else; false when this
  // protocol's loadgen has none (NATS).
  virtual bool auth(std::string& out, std::string_view user, std::string_view password) const {
    (void)out, (void)user, (void)password;
    return false;
  }
  virtual void subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const = 0;
  virtual void publish(std::string& out, std::string_view channel,
                       std::string_view payload) const = 0;
  virtual void ping(std::string& out) const = 0;
  virtual void pong(std::string& out) const = 0;
};

class Decoder {
 public:
  virtual ~Decoder() = default;

  // Decodes the next chunk of the stream, calling sink once per complete
  // frame; a frame may be split at any byte across calls. The views in an
  // Event are valid only during the sink call. Returns false on a protocol
  // error (error() says what); the stream cannot go on after that.
  virtual bool feed(std::string_view chunk, EventSink& sink) = 0;
  // One whole line without its "\n", from a transport that frames lines
  // itself (linecast over WebSocket: one line per message). By default it
  // is fed as the line and a "\n"; a line protocol decodes it in place.
  virtual bool feedLine(std::string_view line, EventSink& sink);

  const std::string& error() const { return error_; }

 protected:
  bool fail(std::string message);

 private:
  std::string error_;
};

// maxFrame bounds one line or payload, so a broken peer cannot make a
// decoder buffer without limit.
// resp3: RESP3 (HELLO 3) on Protocol::kResp; mqttQos: of Protocol::kMqtt's
// SUBSCRIBE and PUBLISH; retain: linecast publishes with RETAIN instead of PUB.
std::unique_ptr<Encoder> makeEncoder(Protocol protocol, bool resp3 = false, int mqttQos = 0,
                                     bool retain = false);
std::unique_ptr<Decoder> makeDecoder(Protocol protocol, std::size_t maxFrame, bool resp3 = false);

// Case-insensitive ASCII prefix test, for verbs.
bool startsWithNoCase(std::string_view text, std::string_view prefix);
// A short printable excerpt of bytes for error messages.
std::string excerpt(std::string_view bytes);

}  // namespace linecast::bench
