#include "loadgen/protocol.h"

#include "loadgen/linecast_protocol.h"
#include "loadgen/mqtt_protocol.h"
#include "loadgen/nats_protocol.h"
#include "loadgen/resp_protocol.h"

namespace linecast::bench {

std::optional<Protocol> parseProtocol(std::string_view name) {
  if (name == "linecast") return Protocol::kLinecast;
  if (name == "nats") return Protocol::kNats;
  if (name == "resp" || name == "redis") return Protocol::kResp;
  if (name == "mqtt") return Protocol::kMqtt;
  return std::nullopt;
}

std::string_view protocolName(Protocol protocol) {
  switch (protocol) {
    case Protocol::kLinecast: return "linecast";
    case Protocol::kNats: return "nats";
    case Protocol::kResp: return "resp";
    case Protocol::kMqtt: return "mqtt";
  }
  return "?";
}

bool Decoder::feedLine(std::string_view line, EventSink& sink) {
  return feed(line, sink) && feed("\n", sink);
}

bool Decoder::fail(std::string message) {
  error_ = std::move(message);
  return false;
}

std::unique_ptr<Encoder> makeEncoder(Protocol protocol, bool resp3, int mqttQos, bool retain) {
  switch (protocol) {
    case Protocol::kLinecast: return std::make_unique<LinecastEncoder>(retain);
    case Protocol::kNats: return std::make_unique<NatsEncoder>();
    case Protocol::kResp: return std::make_unique<RespEncoder>(resp3);
    case Protocol::kMqtt: return std::make_unique<MqttEncoder>(mqttQos);
  }
  return nullptr;
}

std::unique_ptr<Decoder> makeDecoder(Protocol protocol, std::size_t maxFrame, bool resp3) {
  switch (protocol) {
    case Protocol::kLinecast: return std::make_unique<LinecastDecoder>(maxFrame);
    case Protocol::kNats: return std::make_unique<NatsDecoder>(maxFrame);
    case Protocol::kResp: return std::make_unique<RespDecoder>(maxFrame, resp3);
    case Protocol::kMqtt: return std::make_unique<MqttDecoder>(maxFrame);
  }
  return nullptr;
}

bool startsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  // ASCII only, inline: every delivery's verb goes through here, and
  // std::toupper is a call into the C locale per byte (a third of the
  // loadgen's CPU on a 1->10 fan-out).
  auto upper = [](char c) { return c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c; };
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (upper(text[i]) != upper(prefix[i])) return false;
  }
  return true;
}

std::string excerpt(std::string_view bytes) {
  constexpr std::size_t kMax = 60;
  std::string out;
  for (char c : bytes.substr(0, kMax)) {
    auto u = static_cast<unsigned char>(c);
    if (u >= 0x20 && u < 0x7f) {
      out += c;
    } else {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[u >> 4];
      out += kHex[u & 15];
    }
  }
  if (bytes.size() > kMax) out += "...";
  return out;
}

}  // namespace linecast::bench
