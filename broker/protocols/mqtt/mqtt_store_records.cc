#include "protocols/mqtt/mqtt_store_records.h"

namespace linecast::mqtt_records {

namespace {

void appendBigEndian(std::string& out, std::uint64_t value, std::size_t bytes) {
  for (std::size_t i = bytes; i-- > 0;) out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
}

// An empty view may have a null data(): never appended through it.
void appendBytes(std::string& out, std::string_view bytes) {
  if (!bytes.empty()) out.append(bytes);
}

}  // namespace

std::uint64_t readBigEndian(std::string_view bytes) {
  std::uint64_t value = 0;
  for (char c : bytes) value = (value << 8) | static_cast<unsigned char>(c);
  return value;
}

std::string_view sessionKey(std::string& out, std::uint64_t id) {
  out.clear();
  appendBigEndian(out, id, kIdBytes);
  return out;
}

std::string_view subscriptionKey(std::string& out, std::uint64_t id, std::string_view filter) {
  sessionKey(out, id);
  appendBytes(out, filter);
  return out;
}

std::string_view messageKey(std::string& out, std::uint64_t id, std::uint64_t sequence) {
  sessionKey(out, id);
  appendBigEndian(out, sequence, 8);
  return out;
}

std::string_view pubrelKey(std::string& out, std::uint64_t id, std::uint16_t packetId) {
  sessionKey(out, id);
  appendBigEndian(out, packetId, 2);
  return out;
}

std::string_view sessionValue(std::string& out, std::string_view clientId, const Permissions* permissions) {
  out.clear();
  appendBigEndian(out, clientId.size(), 2);
  appendBytes(out, clientId);
  if (permissions == nullptr) return out;
  for (const auto* list : {&permissions->publish, &permissions->subscribe, &permissions->denySubscribe}) {
    appendBigEndian(out, list->size(), 2);
    for (const std::string& pattern : *list) {
      appendBigEndian(out, pattern.size(), 2);
      appendBytes(out, pattern);
    }
  }
  return out;
}

namespace {

// Reads a 2-byte length and that many bytes off the front of `in`.
bool takeString(std::string_view& in, std::string_view& out) {
  if (in.size() < 2) return false;
  std::size_t length = readBigEndian(in.substr(0, 2));
  if (in.size() - 2 < length) return false;
  out = in.substr(2, length);
  in.remove_prefix(2 + length);
  return true;
}

}  // namespace

std::optional<StoredSession> parseSession(std::string_view value) {
  StoredSession stored;
  std::string_view clientId;
  if (!takeString(value, clientId) || clientId.empty()) return std::nullopt;
  stored.clientId.assign(clientId);
  if (value.empty()) return stored;
  auto permissions = std::make_shared<Permissions>();
  for (auto* list : {&permissions->publish, &permissions->subscribe, &permissions->denySubscribe}) {
    if (value.size() < 2) return std::nullopt;
    std::size_t count = readBigEndian(value.substr(0, 2));
    value.remove_prefix(2);
    for (std::size_t i = 0; i < count; ++i) {
      std::string_view pattern;
      if (!takeString(value, pattern)) return std::nullopt;
      list->emplace_back(pattern);
    }
  }
  if (!value.empty()) return std::nullopt;
  stored.permissions = std::move(permissions);
  return stored;
}

std::string_view messageValue(std::string& out, const MqttMessage& message, const MqttInflight* inflight) {
  out.clear();
  out.push_back(static_cast<char>(inflight == nullptr ? kQueued : static_cast<std::uint8_t>(inflight->stage) + 1));
  appendBigEndian(out, inflight == nullptr ? 0 : inflight->packetId, 2);
  out.push_back(static_cast<char>(message.qos));
  out.push_back(message.retain ? 1 : 0);
  appendBigEndian(out, message.topic.size(), 2);
  appendBytes(out, message.topic);
  appendBytes(out, message.payload);
  return out;
}

std::optional<StoredMessage> parseMessage(std::string_view key, std::string_view value) {
  constexpr std::size_t kHead = 7;  // stage, packet id, QoS, retain, topic length
  if (key.size() != kIdBytes + 8 || value.size() < kHead) return std::nullopt;
  StoredMessage stored;
  stored.sequence = readBigEndian(key.substr(kIdBytes));
  stored.stage = static_cast<std::uint8_t>(value[0]);
  stored.packetId = static_cast<std::uint16_t>(readBigEndian(value.substr(1, 2)));
  stored.message.qos = static_cast<std::uint8_t>(value[3]);
  stored.message.retain = value[4] != 0;
  std::size_t topicLength = readBigEndian(value.substr(5, 2));
  if (value.size() - kHead < topicLength) return std::nullopt;
  auto pubcomp = static_cast<std::uint8_t>(MqttInflight::Stage::kAwaitPubcomp) + 1;
  bool inflight = stored.stage != kQueued;
  if (stored.sequence == 0 || stored.stage > pubcomp || stored.message.qos < 1 || stored.message.qos > 2 ||
      inflight == (stored.packetId == 0)) {
    return std::nullopt;
  }
  stored.message.topic.assign(value.substr(kHead, topicLength));
  stored.message.payload.assign(value.substr(kHead + topicLength));
  stored.message.storeSequence = stored.sequence;
  return stored;
}

}  // namespace linecast::mqtt_records
