#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

  SessionKind kind() const override { return SessionKind::kMqtt; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  void refusePlaintext(Connection& conn) override;
  void dropSubscriptions(Connection& conn) override;
  void describe(const Connection& conn, SessionDescription& out) const override;

  MqttDecoder decoder;
  MqttSessionState* state = nullptr;  // null before CONNECT and once detached
  // The small fields side by side (flags, keep-alive, heldAck: 14 bytes,
  // one 16-byte slot): every MQTT connection holds this object, so its
  // padding counts (120 -> 104 bytes, heap chunk 128 -> 112;
  // docs/notes-mqtt-compact.md).
  bool connected = false;             // CONNECT accepted (a second one is a violation)
  bool disconnected = false;          // DISCONNECT received: no will
  std::uint16_t keepAlive = 0;        // seconds, as CONNECT gave it; 0: none
  // --cluster: the PUBACK or PUBREC of a retained message, held until Redis
  // stored it (docs/PROTOCOL.md, "Cluster"); the packets after it wait.
  std::optional<MqttBytes> heldAck;
  double lastPacket = 0;              // when the last whole packet came
  std::unique_ptr<MqttPendingWill> will;  // null: none registered, or discarded

 private:
  MqttProtocol& protocol_;
};

inline MqttSession& mqttSession(Connection& conn) { return static_cast<MqttSession&>(conn.session()); }

}  // namespace linecast
