#include "protocols/mqtt/mqtt_session_table.h"

#include <utility>

namespace linecast {

MqttSessionTable::~MqttSessionTable() {
  for (std::size_t i = 0; i < bucketCount_; ++i) {
    for (MqttSessionState* state = buckets_[i]; state != nullptr;) {
      delete std::exchange(state, state->tableNext_);
    }
  }
  metrics_.mqttSessions -= static_cast<std::int64_t>(size_);
}

MqttSessionState* MqttSessionTable::find(std::string_view clientId) {
  if (size_ == 0) return nullptr;
  for (MqttSessionState* state = bucketOf(clientId); state != nullptr; state = state->tableNext_) {
    if (state->clientId == clientId) return state;
  }
  return nullptr;
}

MqttSessionState& MqttSessionTable::create(std::string_view clientId) {
  auto state = std::make_unique<MqttSessionState>();
  state->clientId = std::string(clientId);
  return adopt(std::move(state));
}

MqttSessionState& MqttSessionTable::adopt(std::unique_ptr<MqttSessionState> state) {
  if (size_ + 1 > 2 * bucketCount_) grow();
  MqttSessionState*& head = bucketOf(state->clientId);
  state->tableNext_ = head;
  head = state.release();
  ++size_;
  ++metrics_.mqttSessions;
  return *head;
}

void MqttSessionTable::erase(std::string_view clientId) {
  if (size_ == 0) return;
  for (MqttSessionState** link = &bucketOf(clientId); *link != nullptr; link = &(*link)->tableNext_) {
    MqttSessionState* state = *link;
    if (state->clientId != clientId) continue;
    *link = state->tableNext_;
    delete state;
    --size_;
    --metrics_.mqttSessions;
    return;
  }
}

void MqttSessionTable::grow() {
  std::size_t count = bucketCount_ == 0 ? 16 : bucketCount_ * 2;
  auto buckets = std::make_unique<MqttSessionState*[]>(count);  // all null
  for (std::size_t i = 0; i < bucketCount_; ++i) {
    for (MqttSessionState* state = buckets_[i]; state != nullptr;) {
      MqttSessionState* next = state->tableNext_;
      MqttSessionState*& head = buckets[hashOf(state->clientId) & (count - 1)];
      state->tableNext_ = head;
      head = state;
      state = next;
    }
  }
  buckets_ = std::move(buckets);
  bucketCount_ = count;
}

std::string MqttSessionTable::assignId() {
  for (;;) {
    std::string id = "linecast-" + std::to_string(++assigned_);
    if (find(id) == nullptr) return id;
  }
}

}  // namespace linecast
