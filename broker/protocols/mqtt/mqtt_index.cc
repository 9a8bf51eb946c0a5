#include "protocols/mqtt/mqtt_index.h"

#include <algorithm>

#include "protocols/mqtt/mqtt_topic.h"

namespace linecast {

namespace {

bool hasWildcard(std::string_view filter) { return filter.find_first_of("+#") != std::string_view::npos; }

}  // namespace

std::size_t MqttIndex::publish(std::string_view channel, std::string_view payload) {
  if (count_ == 0 || !mqttChannelToTopic(channel, topic_)) return 0;
  return publishTopic(topic_, payload, messageQos_);
}

void MqttIndex::match(MqttSessionState& state, std::uint8_t qos) {
  if (state.matchStamp != stamp_) {
    state.matchStamp = stamp_;
    state.matchQos = qos;
    matched_.push_back(&state);
  } else {
    state.matchQos = std::max(state.matchQos, qos);
  }
}

std::size_t MqttIndex::publishTopic(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  if (count_ == 0) return 0;
  ++stamp_;
  matched_.clear();
  if (auto it = exact_.find(topic); it != exact_.end()) {
    for (const Entry& e : it->second) match(*e.state, e.qos);
  }
  for (const WildcardEntry& e : wildcards_) {
    if (mqttFilterMatches(e.filter, topic)) match(*e.state, e.qos);
  }
  std::size_t delivered = 0;
  for (MqttSessionState* state : matched_) {
    if (!state->permits(topic)) continue;
    if (outbox_.deliver(*state, topic, payload, std::min(qos, state->matchQos), false)) ++delivered;
  }
  return delivered;
}

std::size_t MqttIndex::countMatches(std::string_view channel) const {
  // Another thread's question, asked only when this thread's interest
  // changed: a local buffer, not the publish's.
  std::string topic;
  if (count_ == 0 || !mqttChannelToTopic(channel, topic)) return 0;
  std::vector<const MqttSessionState*> seen;
  auto note = [&](const MqttSessionState* s) {
    if (std::find(seen.begin(), seen.end(), s) == seen.end()) seen.push_back(s);
  };
  if (auto it = exact_.find(topic); it != exact_.end()) {
    for (const Entry& e : it->second) note(e.state);
  }
  for (const WildcardEntry& e : wildcards_) {
    if (mqttFilterMatches(e.filter, topic)) note(e.state);
  }
  return seen.size();
}

void MqttIndex::describe(PubsubCensus& census) const {
  std::string channel;
  for (const auto& [filter, entries] : exact_) {
    if (mqttTopicToChannel(filter, channel)) census.addChannel(channel, entries.size());
  }
  for (const WildcardEntry& e : wildcards_) census.addPattern("mqtt", e.filter);
}

void MqttIndex::setInterestSink(InterestSink* sink) {
  interest_ = sink;
  if (interest_ == nullptr) return;
  for (const auto& entry : exact_) interest_->gained(InterestKind::kMqttFilter, entry.first);
  for (std::size_t i = 0; i < wildcards_.size(); ++i) {
    auto earlier = wildcards_.begin() + static_cast<std::ptrdiff_t>(i);
    auto same = [&](const WildcardEntry& e) { return e.filter == wildcards_[i].filter; };
    if (std::none_of(wildcards_.begin(), earlier, same)) {
      interest_->gained(InterestKind::kMqttFilter, wildcards_[i].filter);
    }
  }
}

bool MqttIndex::holdsWildcard(std::string_view filter) const {
  return std::any_of(wildcards_.begin(), wildcards_.end(), [&](const WildcardEntry& e) { return e.filter == filter; });
}

void MqttIndex::add(MqttSessionState& state, std::string_view filter, std::uint8_t qos) {
  if (!hasWildcard(filter)) {
    auto it = exact_.find(filter);
    if (it == exact_.end()) {
      it = exact_.try_emplace(std::string(filter)).first;
      if (interest_ != nullptr) interest_->gained(InterestKind::kMqttFilter, filter);
    }
    for (Entry& e : it->second) {
      if (e.state == &state) {
        e.qos = qos;
        return;
      }
    }
    it->second.push_back(Entry{&state, qos});
    ++count_;
    return;
  }
  for (WildcardEntry& e : wildcards_) {
    if (e.state == &state && e.filter == filter) {
      e.qos = qos;
      return;
    }
  }
  if (interest_ != nullptr && !holdsWildcard(filter)) interest_->gained(InterestKind::kMqttFilter, filter);
  wildcards_.push_back(WildcardEntry{std::string(filter), &state, qos});
  ++count_;
}

void MqttIndex::remove(MqttSessionState& state, std::string_view filter) {
  if (!hasWildcard(filter)) {
    auto it = exact_.find(filter);
    if (it == exact_.end()) return;
    MqttFilterSubscribers& entries = it->second;
    auto e = std::find_if(entries.begin(), entries.end(), [&](const Entry& x) { return x.state == &state; });
    if (e == entries.end()) return;
    entries.erase(e);
    --count_;
    if (entries.empty()) {
      if (interest_ != nullptr) interest_->lost(InterestKind::kMqttFilter, filter);
      exact_.erase(it);
    }
    return;
  }
  auto e = std::find_if(wildcards_.begin(), wildcards_.end(),
                        [&](const WildcardEntry& x) { return x.state == &state && x.filter == filter; });
  if (e == wildcards_.end()) return;
  wildcards_.erase(e);
  --count_;
  if (interest_ != nullptr && !holdsWildcard(filter)) interest_->lost(InterestKind::kMqttFilter, filter);
}

}  // namespace linecast
