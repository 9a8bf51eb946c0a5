#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace linecast {

// The MQTT 3.1.1 control packets (OASIS standard, section 2 and 3), as the
// decoder hands them up. Every string_view points into the packet's bytes,
// which stay valid until the parser's next call; a session that keeps a
// value (a will, a client id) copies it.

enum class MqttPacketType : std::uint8_t {
  kConnect = 1,
  kConnack = 2,
  kPublish = 3,
  kPuback = 4,
  kPubrec = 5,
  kPubrel = 6,
  kPubcomp = 7,
  kSubscribe = 8,
  kSuback = 9,
  kUnsubscribe = 10,
  kUnsuback = 11,
  kPingreq = 12,
  kPingresp = 13,
  kDisconnect = 14,
};

// CONNACK return codes (3.2.2.3).
enum class MqttConnackCode : std::uint8_t {
  kAccepted = 0,
  kUnacceptableProtocolVersion = 1,
  kIdentifierRejected = 2,
  kServerUnavailable = 3,
  kBadUserNameOrPassword = 4,
  kNotAuthorized = 5,
};

// SUBACK's failure return code (3.9.3).
inline constexpr std::uint8_t kMqttSubackFailure = 0x80;

struct MqttWill {
  std::string_view topic;
  std::string_view payload;
  std::uint8_t qos = 0;
  bool retain = false;
};

struct MqttConnect {
  // The protocol name and level are checked by the decoder only as far as
  // their encoding goes: the session answers a level other than 4 with
  // CONNACK 1 (3.1.2.2), and a name other than "MQTT" by closing.
  std::string_view protocolName;
  std::uint8_t protocolLevel = 0;
  bool cleanSession = false;
  std::uint16_t keepAlive = 0;  // seconds; 0: no keep-alive
  std::string_view clientId;    // may be empty
  bool hasWill = false;
  MqttWill will;
  bool hasUserName = false;
  std::string_view userName;
  bool hasPassword = false;
  std::string_view password;  // binary data, not UTF-8
};

struct MqttPublish {
  std::string_view topic;
  std::string_view payload;
  std::uint8_t qos = 0;
  bool dup = false;
  bool retain = false;
  std::uint16_t packetId = 0;  // only for QoS 1 and 2; never 0 then
};

struct MqttTopicRequest {
  std::string_view filter;
  std::uint8_t qos = 0;  // SUBSCRIBE's requested QoS (0-2); 0 for UNSUBSCRIBE
};

// SUBSCRIBE and UNSUBSCRIBE: a packet id and at least one filter. The
// vector is the decoder's, reused from packet to packet.
struct MqttSubscribe {
  std::uint16_t packetId = 0;
  const std::vector<MqttTopicRequest>* topics = nullptr;
};

// PUBACK, PUBREC, PUBREL, PUBCOMP: the packet id alone.
struct MqttAck {
  MqttPacketType type = MqttPacketType::kPuback;
  std::uint16_t packetId = 0;
};

}  // namespace linecast
