#include "protocols/mqtt/mqtt_encoder.h"

#include <cassert>

namespace linecast {

namespace {

void put(MqttBytes& out, unsigned byte) { out.data[out.size++] = static_cast<char>(byte & 0xFF); }

void putU16(MqttBytes& out, std::size_t value) {
  put(out, static_cast<unsigned>(value >> 8));
  put(out, static_cast<unsigned>(value));
}

// 2.2: the first byte (type and flags), then the remaining length, seven
// bits per byte, least significant first, the top bit saying "more".
MqttBytes fixedHeader(MqttPacketType type, unsigned flags, std::size_t remaining) {
  assert(remaining <= kMqttMaxRemainingLength);
  MqttBytes out;
  put(out, static_cast<unsigned>(type) << 4 | flags);
  do {
    unsigned digit = remaining & 0x7F;
    remaining >>= 7;
    put(out, remaining > 0 ? digit | 0x80 : digit);
  } while (remaining > 0);
  return out;
}

}  // namespace

std::size_t mqttRemainingLengthBytes(std::size_t remaining) {
  if (remaining < (std::size_t{1} << 7)) return 1;
  if (remaining < (std::size_t{1} << 14)) return 2;
  if (remaining < (std::size_t{1} << 21)) return 3;
  return 4;
}

MqttBytes mqttPublishHead(std::size_t topicLength, std::size_t payloadLength, std::uint8_t qos, bool dup,
                          bool retain) {
  assert(qos <= 2 && topicLength <= 0xFFFF);
  const unsigned flags = (dup ? 0x08u : 0u) | static_cast<unsigned>(qos) << 1 | (retain ? 0x01u : 0u);
  const std::size_t remaining = 2 + topicLength + (qos > 0 ? 2 : 0) + payloadLength;
  MqttBytes out = fixedHeader(MqttPacketType::kPublish, flags, remaining);
  putU16(out, topicLength);
  return out;
}

MqttBytes mqttPacketId(std::uint16_t id) {
  MqttBytes out;
  putU16(out, id);
  return out;
}

MqttBytes mqttConnack(bool sessionPresent, MqttConnackCode code) {
  MqttBytes out = fixedHeader(MqttPacketType::kConnack, 0, 2);
  put(out, sessionPresent ? 1 : 0);
  put(out, static_cast<unsigned>(code));
  return out;
}

MqttBytes mqttAck(MqttPacketType type, std::uint16_t id) {
  assert(type == MqttPacketType::kPuback || type == MqttPacketType::kPubrec || type == MqttPacketType::kPubrel ||
         type == MqttPacketType::kPubcomp || type == MqttPacketType::kUnsuback);
  // 3.6.1-1: PUBREL's flags are 0b0010.
  MqttBytes out = fixedHeader(type, type == MqttPacketType::kPubrel ? 0x2 : 0, 2);
  putU16(out, id);
  return out;
}

MqttBytes mqttSubackHead(std::uint16_t id, std::size_t returnCodes) {
  MqttBytes out = fixedHeader(MqttPacketType::kSuback, 0, 2 + returnCodes);
  putU16(out, id);
  return out;
}

MqttBytes mqttPingresp() { return fixedHeader(MqttPacketType::kPingresp, 0, 0); }

}  // namespace linecast
