#include "loadgen/mqtt_protocol.h"

#include <fmt/format.h>

namespace linecast::bench {
namespace {

// Packet types (the high nibble of the first byte).
constexpr std::uint8_t kConnect = 1;
constexpr std::uint8_t kConnack = 2;
constexpr std::uint8_t kPublish = 3;
constexpr std::uint8_t kPuback = 4;
constexpr std::uint8_t kSubscribe = 8;
constexpr std::uint8_t kSuback = 9;
constexpr std::uint8_t kPingreq = 12;
constexpr std::uint8_t kPingresp = 13;

void appendHeader(std::string& out, std::uint8_t firstByte, std::size_t remaining) {
  out += static_cast<char>(firstByte);
  do {
    auto digit = static_cast<std::uint8_t>(remaining & 0x7f);
    remaining >>= 7;
    if (remaining > 0) digit |= 0x80;
    out += static_cast<char>(digit);
  } while (remaining > 0);
}

void appendU16(std::string& out, std::size_t value) {
  out += static_cast<char>((value >> 8) & 0xff);
  out += static_cast<char>(value & 0xff);
}

void appendString(std::string& out, std::string_view text) {
  appendU16(out, text.size());
  out.append(text.data(), text.size());
}

std::uint16_t readU16(std::string_view bytes, std::size_t at) {
  return static_cast<std::uint16_t>((static_cast<std::uint8_t>(bytes[at]) << 8) |
                                    static_cast<std::uint8_t>(bytes[at + 1]));
}

// CONNACK's return codes 1..5 (MQTT 3.1.1, 3.2.2.3), for the error message.
std::string_view connackRefusal(std::uint8_t code) {
  switch (code) {
    case 1: return "CONNACK refused: unacceptable protocol version";
    case 2: return "CONNACK refused: identifier rejected";
    case 3: return "CONNACK refused: server unavailable";
    case 4: return "CONNACK refused: bad user name or password";
    case 5: return "CONNACK refused: not authorized";
  }
  return "CONNACK refused with an unknown return code";
}

}  // namespace

void MqttEncoder::connect(std::string& out, std::string_view clientId) const {
  // Protocol name, level 4 (3.1.1), flags: clean session only, keep-alive 0.
  static constexpr char kVariableHeader[] = {0, 4, 'M', 'Q', 'T', 'T', 4, 0x02, 0, 0};
  appendHeader(out, kConnect << 4, sizeof kVariableHeader + 2 + clientId.size());
  out.append(kVariableHeader, sizeof kVariableHeader);
  appendString(out, clientId);
}

void MqttEncoder::subscribe(std::string& out, std::string_view channel, std::uint64_t sid) const {
  // Flags 0b0010, as 3.1.1 requires of SUBSCRIBE.
  appendHeader(out, (kSubscribe << 4) | 0x02, 2 + 2 + channel.size() + 1);
  appendU16(out, sid);
  appendString(out, channel);
  out += static_cast<char>(qos_);
}

void MqttEncoder::publish(std::string& out, std::string_view channel,
                          std::string_view payload) const {
  appendHeader(out, kPublish << 4, 2 + channel.size() + payload.size());
  appendString(out, channel);
  out.append(payload.data(), payload.size());
}

void MqttEncoder::publish(std::string& out, std::string_view channel, std::string_view payload,
                          std::uint16_t packetId) const {
  appendHeader(out, (kPublish << 4) | (1 << 1), 2 + channel.size() + 2 + payload.size());
  appendString(out, channel);
  appendU16(out, packetId);
  out.append(payload.data(), payload.size());
}

void MqttEncoder::puback(std::string& out, std::uint16_t packetId) const {
  appendHeader(out, kPuback << 4, 2);
  appendU16(out, packetId);
}

void MqttEncoder::ping(std::string& out) const { appendHeader(out, kPingreq << 4, 0); }

bool MqttDecoder::feed(std::string_view chunk, EventSink& sink) {
  std::size_t pos = 0;
  while (true) {
    if (!inBody_) {
      if (pos == chunk.size()) break;
      auto byte = static_cast<std::uint8_t>(chunk[pos++]);
      if (!haveFirstByte_) {
        haveFirstByte_ = true;
        firstByte_ = byte;
        remaining_ = 0;
        lengthBytes_ = 0;
        continue;
      }
      remaining_ |= static_cast<std::size_t>(byte & 0x7f) << (7 * lengthBytes_);
      ++lengthBytes_;
      if (byte & 0x80) {
        if (lengthBytes_ == 4) return fail("remaining length longer than four bytes");
        continue;
      }
      if (remaining_ > maxPacket_)
        return fail(fmt::format("packet of {} bytes is over the limit", remaining_));
      haveFirstByte_ = false;
      inBody_ = true;
      body_.expect(remaining_);
    }
    // Also when the chunk has just ended: a bodiless packet (PINGRESP) is
    // complete with its header.
    std::string_view body;
    if (!body_.next(chunk, pos, body)) break;
    inBody_ = false;
    if (!onPacket(body, sink)) return false;
  }
  return true;
}

bool MqttDecoder::onPacket(std::string_view body, EventSink& sink) {
  std::uint8_t type = firstByte_ >> 4;
  if (type == kPublish) return onPublish(body, sink);
  if ((firstByte_ & 0x0f) != 0)
    return fail(fmt::format("packet type {} with flags {:#x}", type, firstByte_ & 0x0f));
  switch (type) {
    case kConnack: {
      if (body.size() != 2) return fail("CONNACK of the wrong length");
      auto code = static_cast<std::uint8_t>(body[1]);
      if (code == 0) {
        sink.onEvent({EventType::kOk, {}, {}, {}});
      } else {
        sink.onEvent({EventType::kError, {}, {}, connackRefusal(code)});
      }
      return true;
    }
    case kPuback:
      if (body.size() != 2) return fail("PUBACK of the wrong length");
      sink.onEvent({EventType::kAcked, {}, {}, {}, readU16(body, 0)});
      return true;
    case kSuback:
      if (body.size() < 3) return fail("SUBACK too short");
      for (char code : body.substr(2)) {
        auto granted = static_cast<std::uint8_t>(code);
        if (granted == 0x80) {
          sink.onEvent({EventType::kError, {}, {}, "SUBACK refused the subscription"});
          return true;
        }
        if (granted > 2) return fail(fmt::format("SUBACK with return code {:#x}", granted));
      }
      sink.onEvent({EventType::kSubscribed, {}, {}, {}, readU16(body, 0)});
      return true;
    case kPingresp:
      if (!body.empty()) return fail("PINGRESP with a body");
      sink.onEvent({EventType::kPong, {}, {}, {}});
      return true;
  }
  return fail(fmt::format("unexpected packet type {} from the server", type));
}

bool MqttDecoder::onPublish(std::string_view body, EventSink& sink) {
  int qos = (firstByte_ >> 1) & 3;
  if (qos > 1) return fail(fmt::format("PUBLISH at QoS {}: the loadgen subscribes at 0 or 1", qos));
  if (body.size() < 2) return fail("PUBLISH too short");
  std::size_t topicEnd = 2 + readU16(body, 0);
  std::size_t payloadAt = topicEnd + (qos == 1 ? 2 : 0);
  if (body.size() < payloadAt) return fail("PUBLISH shorter than its topic and packet id");
  std::uint16_t packetId = qos == 1 ? readU16(body, topicEnd) : 0;
  if (qos == 1 && packetId == 0) return fail("QoS 1 PUBLISH with packet id 0");
  sink.onEvent({EventType::kMessage, body.substr(2, topicEnd - 2), body.substr(payloadAt), {},
                packetId});
  return true;
}

}  // namespace linecast::bench
