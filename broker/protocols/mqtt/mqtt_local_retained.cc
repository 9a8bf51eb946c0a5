#include "protocols/mqtt/mqtt_local_retained.h"

#include "protocols/mqtt/mqtt_journal.h"
#include "protocols/mqtt/mqtt_topic.h"

namespace linecast {

RetainedStore::Outcome MqttLocalRetained::retain(std::string_view topic, std::string_view payload,
                                                 std::uint8_t qos) {
  auto it = messages_.find(topic);
  std::size_t held = it == messages_.end() ? 0 : it->first.size() + it->second.payload.size();
  if (payload.empty()) {
    if (it != messages_.end()) {
      bytes_ -= held;
      messages_.erase(it);
      if (journal_ != nullptr) journal_->cleared(topic);
    }
    return RetainedStore::Outcome::kCleared;
  }
  std::size_t cost = topic.size() + payload.size();
  bool newTopic = it == messages_.end();
  if ((newTopic && messages_.size() >= limits_.messages) || bytes_ - held + cost > limits_.bytes) {
    return RetainedStore::Outcome::kOverLimit;
  }
  if (newTopic) {
    messages_.emplace(std::string(topic), Message{std::string(payload), qos});
  } else {
    it->second = Message{std::string(payload), qos};
  }
  bytes_ = bytes_ - held + cost;
  if (journal_ != nullptr) journal_->retained(topic, payload, qos);
  return RetainedStore::Outcome::kStored;
}

void MqttLocalRetained::forEachMatch(
    std::string_view filter,
    const std::function<void(std::string_view, std::string_view, std::uint8_t)>& visit) const {
  for (const auto& [topic, message] : messages_) {
    if (mqttFilterMatches(filter, topic)) visit(topic, message.payload, message.qos);
  }
}

}  // namespace linecast
