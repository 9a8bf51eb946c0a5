#pragma once

#include <cstdint>

namespace linecast {

// What a message that crosses nodes is, beyond its Redis channel and its
// payload: one byte, kept in the ClusterOutbox record and sent as the
// envelope's third byte (docs/PROTOCOL.md, "Cluster"). Only MQTT needs it:
// its subscribers take a message at the publisher's QoS, and its topics
// that are no channel (MQTT-only topics) reach MQTT subscribers only.
namespace cluster_mark {

// A channel message from any protocol but MQTT (MQTT subscribers take it
// at QoS 1, as on one node). The revision-4 envelope's version byte.
inline constexpr std::uint8_t kChannel = 0x01;
// Not a message: an envelope of retained values (channel, value pairs)
// that the nodes keep and do not deliver; a flags byte follows the
// envelope's sequence number (bit 0 set). The same byte was the version
// byte 0x02 of the retained envelope first.
inline constexpr std::uint8_t kRetained = 0x02;
// A channel message an MQTT client published, plus its QoS (0 to 2).
inline constexpr std::uint8_t kMqttChannel = 0x10;
// An MQTT-only topic's message (the Redis channel is the topic itself),
// plus its QoS.
inline constexpr std::uint8_t kMqttTopic = 0x20;

inline constexpr std::uint8_t mqttChannel(std::uint8_t qos) { return kMqttChannel | (qos & 3); }
inline constexpr std::uint8_t mqttTopic(std::uint8_t qos) { return kMqttTopic | (qos & 3); }
inline constexpr bool isMqtt(std::uint8_t mark) { return (mark & 0xf0) != 0; }
inline constexpr bool isMqttTopic(std::uint8_t mark) { return (mark & 0xf0) == kMqttTopic; }
inline constexpr std::uint8_t qosOf(std::uint8_t mark) { return mark & 3; }
// Whether a byte from Redis is a mark this build knows (an envelope with
// another is not ours, or from a later version, and is ignored).
inline constexpr bool known(std::uint8_t mark) {
  return mark == kChannel || mark == kRetained || ((mark == (mark & 0xf3)) && (mark & 3) <= 2 &&
                              ((mark & 0xf0) == kMqttChannel || (mark & 0xf0) == kMqttTopic));
}

}  // namespace cluster_mark
}  // namespace linecast
