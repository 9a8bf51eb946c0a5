#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/mqtt/mqtt_packet.h"

namespace linecast {

// Encoders for the packets the server sends (MQTT 3.1.1 section 3), each
// into a small fixed buffer, so a session queues a packet as a few views
// with no allocation:
//   conn.queue(head.view(), topic, id.view(), payload)

// The largest of these: a fixed header (1 + 4 length bytes) and up to 3
// more bytes (PUBLISH's topic length, SUBACK's packet id).
struct MqttBytes {
  std::array<char, 8> data{};
  std::uint8_t size = 0;
  std::string_view view() const { return {data.data(), size}; }
};

// The largest remaining length MQTT can encode (2.2.3: four bytes).
inline constexpr std::size_t kMqttMaxRemainingLength = 268'435'455;

// PUBLISH's fixed header and the topic's 2-byte length; the caller queues
// head, the topic bytes, the packet id (QoS 1 and 2 only), the payload.
// The caller keeps topic (at most 65535 bytes) and the whole packet within
// kMqttMaxRemainingLength.
MqttBytes mqttPublishHead(std::size_t topicLength, std::size_t payloadLength, std::uint8_t qos, bool dup,
                          bool retain);
MqttBytes mqttPacketId(std::uint16_t id);
MqttBytes mqttConnack(bool sessionPresent, MqttConnackCode code);
// PUBACK, PUBREC, PUBREL (flags 0b0010, 3.6.1), PUBCOMP, UNSUBACK.
MqttBytes mqttAck(MqttPacketType type, std::uint16_t id);
// SUBACK's fixed header and packet id; the caller then queues the return
// codes, one byte per filter.
MqttBytes mqttSubackHead(std::uint16_t id, std::size_t returnCodes);
MqttBytes mqttPingresp();
// How many bytes the remaining-length field takes (1 to 4).
std::size_t mqttRemainingLengthBytes(std::size_t remaining);

}  // namespace linecast
