#include "mqtt_test_client.h"

namespace linecast::test {

namespace {

std::string u16(std::size_t v) {
  return std::string{static_cast<char>((v >> 8) & 0xFF), static_cast<char>(v & 0xFF)};
}

std::string mqttString(std::string_view s) { return u16(s.size()) + std::string(s); }

}  // namespace

std::string MqttPacketIn::bytes() const { return MqttTestClient::packet(header, body); }

std::string MqttTestClient::remainingLength(std::size_t n) {
  std::string out;
  do {
    char digit = static_cast<char>(n % 128);
    n /= 128;
    if (n > 0) digit = static_cast<char>(digit | 0x80);
    out += digit;
  } while (n > 0);
  return out;
}

std::string MqttTestClient::packet(std::uint8_t header, std::string_view body) {
  return std::string(1, static_cast<char>(header)) + remainingLength(body.size()) + std::string(body);
}

std::string MqttTestClient::connectPacket(const MqttConnectOptions& o) {
  std::uint8_t flags = 0;
  if (o.clean) flags |= 0x02;
  if (o.will) flags |= static_cast<std::uint8_t>(0x04 | (o.will->qos << 3) | (o.will->retain ? 0x20 : 0));
  if (o.password) flags |= 0x40;
  if (o.user) flags |= 0x80;
  std::string body = mqttString(o.protocolName);
  body += static_cast<char>(o.level);
  body += static_cast<char>(flags);
  body += u16(o.keepAlive);
  body += mqttString(o.clientId);
  if (o.will) body += mqttString(o.will->topic) + mqttString(o.will->payload);
  if (o.user) body += mqttString(*o.user);
  if (o.password) body += mqttString(*o.password);
  return packet(0x10, body);
}

std::string MqttTestClient::publishPacket(std::string_view topic, std::string_view payload, int qos,
                                          std::uint16_t id, bool dup, bool retain) {
  std::uint8_t header = static_cast<std::uint8_t>(0x30 | (dup ? 0x08 : 0) | (qos << 1) | (retain ? 1 : 0));
  std::string body = mqttString(topic);
  if (qos > 0) body += u16(id);
  body += payload;
  return packet(header, body);
}

std::string MqttTestClient::subscribePacket(std::uint16_t id, const std::vector<std::pair<std::string, int>>& filters) {
  std::string body = u16(id);
  for (const auto& [filter, qos] : filters) body += mqttString(filter) + static_cast<char>(qos);
  return packet(0x82, body);
}

std::string MqttTestClient::unsubscribePacket(std::uint16_t id, const std::vector<std::string>& filters) {
  std::string body = u16(id);
  for (const auto& filter : filters) body += mqttString(filter);
  return packet(0xA2, body);
}

std::string MqttTestClient::ackPacket(int type, std::uint16_t id) {
  return packet(static_cast<std::uint8_t>(type << 4 | (type == 6 ? 2 : 0)), u16(id));
}

std::string MqttTestClient::connackPacket(bool sessionPresent, int code) {
  return packet(0x20, std::string{static_cast<char>(sessionPresent ? 1 : 0), static_cast<char>(code)});
}

std::string MqttTestClient::subackPacket(std::uint16_t id, const std::vector<int>& codes) {
  std::string body = u16(id);
  for (int c : codes) body += static_cast<char>(c);
  return packet(0x90, body);
}

::testing::AssertionResult MqttTestClient::open(std::uint16_t port) { return tcp_.connect(port); }

::testing::AssertionResult MqttTestClient::connect(std::uint16_t port, const MqttConnectOptions& options,
                                                   bool sessionPresent, int code) {
  auto opened = open(port);
  if (!opened) return opened;
  auto sent = send(connectPacket(options));
  if (!sent) return sent;
  return expectPacket(connackPacket(sessionPresent, code));
}

std::optional<MqttPacketIn> MqttTestClient::readPacket(milliseconds timeout) {
  auto first = tcp_.readBytes(1, timeout);
  if (!first) return std::nullopt;
  MqttPacketIn p;
  p.header = static_cast<std::uint8_t>((*first)[0]);
  std::size_t length = 0;
  std::size_t multiplier = 1;
  for (int i = 0; i < 4; ++i) {
    auto digit = tcp_.readBytes(1, timeout);
    if (!digit) return std::nullopt;
    auto d = static_cast<std::uint8_t>((*digit)[0]);
    length += (d & 0x7F) * multiplier;
    multiplier *= 128;
    if ((d & 0x80) == 0) break;
  }
  if (length > 0) {
    auto body = tcp_.readBytes(length, timeout);
    if (!body) return std::nullopt;
    p.body = *body;
  }
  return p;
}

::testing::AssertionResult MqttTestClient::expectPacket(std::string_view bytes, milliseconds timeout) {
  auto p = readPacket(timeout);
  if (!p) return ::testing::AssertionFailure() << "no packet; expected " << escapeBytes(bytes);
  if (p->bytes() != bytes) {
    return ::testing::AssertionFailure() << "got " << escapeBytes(p->bytes()) << ", expected " << escapeBytes(bytes);
  }
  return ::testing::AssertionSuccess();
}

std::optional<MqttPublishIn> MqttTestClient::readPublish(milliseconds timeout) {
  auto p = readPacket(timeout);
  if (!p || p->type() != 3 || p->body.size() < 2) {
    ADD_FAILURE() << "expected a PUBLISH, got " << (p ? escapeBytes(p->bytes()) : std::string("nothing"));
    return std::nullopt;
  }
  MqttPublishIn out;
  out.qos = (p->header >> 1) & 3;
  out.dup = (p->header & 0x08) != 0;
  out.retain = (p->header & 1) != 0;
  const std::string& b = p->body;
  std::size_t topicLength = static_cast<std::uint8_t>(b[0]) << 8 | static_cast<std::uint8_t>(b[1]);
  out.topic = b.substr(2, topicLength);
  std::size_t at = 2 + topicLength;
  if (out.qos > 0) {
    out.packetId = static_cast<std::uint16_t>(static_cast<std::uint8_t>(b[at]) << 8 | static_cast<std::uint8_t>(b[at + 1]));
    at += 2;
  }
  out.payload = b.substr(at);
  return out;
}

::testing::AssertionResult MqttTestClient::subscribe(std::uint16_t id,
                                                     const std::vector<std::pair<std::string, int>>& filters,
                                                     const std::vector<int>& codes) {
  auto sent = send(subscribePacket(id, filters));
  if (!sent) return sent;
  return expectPacket(subackPacket(id, codes));
}

::testing::AssertionResult MqttTestClient::ping() {
  auto sent = send(pingreq());
  if (!sent) return sent;
  return expectPacket(std::string("\xD0\x00", 2));
}

}  // namespace linecast::test
