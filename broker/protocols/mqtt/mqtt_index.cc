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
  for (const auto& [filter, entries] : wildcards_) {
    if (!mqttFilterMatches(filter, topic)) continue;
    for (const Entry& e : entries) match(*e.state, e.qos);
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
  auto note = [&](const MqttFilterSubscribers& entries) {
    for (const Entry& e : entries) {
      if (std::find(seen.begin(), seen.end(), e.state) == seen.end()) seen.push_back(e.state);
    }
  };
  if (auto it = exact_.find(topic); it != exact_.end()) note(it->second);
  for (const auto& [filter, entries] : wildcards_) {
    if (mqttFilterMatches(filter, topic)) note(entries);
  }
  return seen.size();
}

void MqttIndex::describe(PubsubCensus& census) const {
  std::string channel;
  for (const auto& [filter, entries] : exact_) {
    if (mqttTopicToChannel(filter, channel)) census.addChannel(channel, entries.size());
  }
  for (const auto& entry : wildcards_) census.addPattern("mqtt", entry.first);
}

void MqttIndex::setInterestSink(InterestSink* sink) {
  interest_ = sink;
  if (interest_ == nullptr) return;
  for (const auto& entry : exact_) interest_->gained(InterestKind::kMqttFilter, entry.first);
  for (const auto& entry : wildcards_) interest_->gained(InterestKind::kMqttFilter, entry.first);
}

MqttIndex::Records& MqttIndex::recordsOf(std::string_view filter) {
  return hasWildcard(filter) ? wildcards_ : exact_;
}

void MqttIndex::add(MqttSessionState& state, std::string_view filter, std::uint8_t qos) {
  Records& records = recordsOf(filter);
  auto it = records.find(filter);
  if (it == records.end()) {
    it = records.try_emplace(std::string(filter)).first;
    if (interest_ != nullptr) interest_->gained(InterestKind::kMqttFilter, filter);
  }
  MqttFilterRecord& record = *it;
  // The filter's subscribers, not the session's filters, say whether the
  // session holds it: a session may hold any number of filters.
  for (Entry& e : record.second) {
    if (e.state == &state) {
      e.qos = qos;  // replaced (3.8.4-3)
      return;
    }
  }
  std::uint32_t slot = state.filters.add(&record);
  record.second.push_back(Entry{&state, qos, slot});
  ++count_;
}

bool MqttIndex::remove(MqttSessionState& state, std::string_view filter) {
  Records& records = recordsOf(filter);
  auto it = records.find(filter);
  if (it == records.end()) return false;
  MqttFilterSubscribers& entries = it->second;
  auto e = std::find_if(entries.begin(), entries.end(), [&](const Entry& x) { return x.state == &state; });
  if (e == entries.end()) return false;
  detach(state, *it, e);
  return true;
}

void MqttIndex::removeAll(MqttSessionState& state) {
  // From the last: nothing moves in the session's filters.
  while (!state.filters.empty()) {
    MqttFilterRecord& record = *state.filters[state.filters.size() - 1];
    MqttFilterSubscribers& entries = record.second;
    auto e = std::find_if(entries.begin(), entries.end(), [&](const Entry& x) { return x.state == &state; });
    detach(state, record, e);
  }
}

void MqttIndex::detach(MqttSessionState& state, MqttFilterRecord& record, Entry* at) {
  std::uint32_t slot = at->slot;
  record.second.erase(at);
  --count_;
  if (MqttFilterRecord* moved = state.filters.removeAt(slot)) {
    // The session's last filter took the freed slot: its entry says so.
    for (Entry& e : moved->second) {
      if (e.state == &state) {
        e.slot = slot;
        break;
      }
    }
  }
  if (!record.second.empty()) return;
  if (interest_ != nullptr) interest_->lost(InterestKind::kMqttFilter, record.first);
  Records& records = recordsOf(record.first);
  records.erase(records.find(std::string_view(record.first)));
}

}  // namespace linecast
