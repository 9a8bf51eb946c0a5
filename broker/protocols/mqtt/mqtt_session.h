#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

#include "net/connection.h"
#include "net/session.h"
#include "protocols/mqtt/mqtt_decoder.h"
#include "protocols/mqtt/mqtt_encoder.h"
#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {

class MqttProtocol;

// The will message a CONNECT registered (OASIS 3.1.2.5), copied out of the
// packet: published when the connection ends without DISCONNECT. Few
// clients register one, so a session holds it behind a pointer (80 bytes
// inline made every idle MQTT connection pay them; see
// docs/notes-mqtt-compact.md).
struct MqttPendingWill {
  std::string topic;
  std::string payload;
  std::uint8_t qos = 0;
  bool retain = false;
};

// One MQTT connection: its decoder, and, once CONNECT was accepted, the
// session state it is attached to (held by the MqttSessionTable, which
// outlives the connection for a persistent session). Deliveries never come
// through deliver(): MQTT subscriptions live in the MqttIndex.
class MqttSession final : public Session {
 public:
  MqttSession(MqttProtocol& protocol, std::size_t maxRemainingLength, MqttDecodedPacket& decoded)
      : decoder(maxRemainingLength, decoded), protocol_(protocol) {}
  ~MqttSession() override;
  MqttSession(const MqttSession&) = delete;
  MqttSession& operator=(const MqttSession&) = delete;

  SessionKind kind() const override { return SessionKind::kMqtt; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void dropSubscriptions(Connection& conn) override;
  void describe(const Connection& conn, SessionDescription& out) const override;

  MqttDecoder decoder;
  MqttSessionState* state = nullptr;  // null before CONNECT and once detached
  // The small fields in one 8-byte slot: every MQTT connection holds this
  // object, so its padding counts (120 -> 104 -> 88 bytes, heap chunk
  // 128 -> 112 -> 96; docs/notes-mqtt-compact.md).
  bool connected : 1 = false;     // CONNECT accepted (a second one is a violation)
  bool disconnected : 1 = false;  // DISCONNECT received: no will
  // --cluster: a PUBACK or PUBREC of a retained message is held until Redis
  // stored it (docs/PROTOCOL.md, "Cluster"); the packets after it wait. The
  // bytes are kept by MqttProtocol (rare, so not in every session).
  bool ackHeld : 1 = false;
  std::uint16_t keepAlive = 0;  // seconds, as CONNECT gave it; 0: none
  // When the last whole packet came: milliseconds since the connection
  // opened (Connection::openedAt), rounded up, modulo 2^32 (stampAt). Only
  // the time since it is read (msSince), which is exact across the wrap:
  // a keep-alive closes a connection after at most 1.5 x 65535 s.
  std::uint32_t lastPacket = 0;
  std::unique_ptr<MqttPendingWill> will;  // null: none registered, or discarded

  // Notes a whole packet at `now` (the reactor's clock; `opened` is the
  // connection's openedAt).
  void packetAt(double opened, double now) { lastPacket = stampAt(opened, now); }
  std::uint32_t sinceLastPacketMs(double opened, double now) const { return msSince(lastPacket, opened, now); }

  // `now` as milliseconds since `opened`, rounded up, modulo 2^32.
  static std::uint32_t stampAt(double opened, double now) { return millis(opened, now, true); }
  // Whole milliseconds from `stamp` to `now`: never more than elapsed, 0
  // within the stamp's millisecond. Read as a signed 32-bit difference,
  // so it is exact for gaps under 24 days, across the wrap.
  static std::uint32_t msSince(std::uint32_t stamp, double opened, double now) {
    auto gap = static_cast<std::int32_t>(millis(opened, now, false) - stamp);
    return gap < 0 ? 0 : static_cast<std::uint32_t>(gap);
  }

 private:
  static std::uint32_t millis(double opened, double now, bool roundUp) {
    double ms = (now - opened) * 1000.0;
    if (ms <= 0) return 0;
    auto whole = static_cast<std::uint64_t>(ms);
    if (roundUp && static_cast<double>(whole) < ms) ++whole;
    return static_cast<std::uint32_t>(whole);  // modulo 2^32
  }

  MqttProtocol& protocol_;
};

inline MqttSession& mqttSession(Connection& conn) { return static_cast<MqttSession&>(conn.session()); }

}  // namespace linecast
