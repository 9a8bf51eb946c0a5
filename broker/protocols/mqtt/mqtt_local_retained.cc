#include "protocols/mqtt/mqtt_local_retained.h"

#include "protocols/mqtt/mqtt_topic.h"

namespace linecast {

RetainedStore::Outcome MqttLocalRetained::retain(std::string_view topic, std::string_view payload) {
  auto it = messages_.find(topic);
  std::size_t held = it == messages_.end() ? 0 : it->first.size() + it->second.size();
  if (payload.empty()) {
    if (it != messages_.end()) {
      bytes_ -= held;
      messages_.erase(it);
    }
    return RetainedStore::Outcome::kCleared;
  }
  std::size_t cost = topic.size() + payload.size();
  bool newTopic = it == messages_.end();
  if ((newTopic && messages_.size() >= limits_.messages) || bytes_ - held + cost > limits_.bytes) {
    return RetainedStore::Outcome::kOverLimit;
  }
  if (newTopic) {
    messages_.emplace(std::string(topic), std::string(payload));
  } else {
    it->second.assign(payload);
  }
  bytes_ = bytes_ - held + cost;
  return RetainedStore::Outcome::kStored;
}

void MqttLocalRetained::forEachMatch(
    std::string_view filter, const std::function<void(std::string_view, std::string_view)>& visit) const {
  for (const auto& [topic, payload] : messages_) {
    if (mqttFilterMatches(filter, topic)) visit(topic, payload);
  }
}

}  // namespace linecast
