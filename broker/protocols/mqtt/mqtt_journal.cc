#include "protocols/mqtt/mqtt_journal.h"

#include "protocols/mqtt/mqtt_store_records.h"

namespace linecast {

using namespace mqtt_records;

void MqttJournal::connected(MqttSessionState& state) {
  if (!enabled()) return;
  if (state.storeId == 0) {
    state.storeId = nextSessionId_++;
    if (MqttDelivery* delivery = state.heldDelivery()) delivery->nextStoreSequence = 1;
  }
  turn_.put(kSessions, sessionKey(key_, state.storeId),
            sessionValue(value_, state.clientId, state.permissions()));
}

void MqttJournal::discarded(const MqttSessionState& state) {
  if (state.storeId == 0) return;
  for (std::uint32_t i = 0; i < state.filters.size(); ++i) {
    turn_.erase(kSubscriptions, subscriptionKey(key_, state.storeId, state.filters[i]->first));
  }
  if (const MqttDelivery* delivery = state.heldDelivery()) {
    for (const MqttInflight& m : delivery->inflight) eraseMessage(state, m.message.storeSequence);
    for (const MqttMessage& m : delivery->queued) eraseMessage(state, m.storeSequence);
    for (std::uint16_t id : delivery->awaitingPubrel) turn_.erase(kAwaitingPubrel, pubrelKey(key_, state.storeId, id));
  }
  turn_.erase(kSessions, sessionKey(key_, state.storeId));
}

bool MqttJournal::subscribed(const MqttSessionState& state, std::string_view filter, std::uint8_t qos) {
  if (state.storeId == 0) return true;
  if (filter.size() > kLongestFilter) return false;
  char granted = static_cast<char>(qos);
  return turn_.put(kSubscriptions, subscriptionKey(key_, state.storeId, filter), std::string_view(&granted, 1));
}

void MqttJournal::unsubscribed(const MqttSessionState& state, std::string_view filter) {
  if (state.storeId == 0) return;
  turn_.erase(kSubscriptions, subscriptionKey(key_, state.storeId, filter));
}

void MqttJournal::queued(MqttSessionState& state, MqttMessage& message) { store(state, message, nullptr); }

void MqttJournal::inflight(MqttSessionState& state, MqttInflight& message) {
  store(state, message.message, &message);
}

void MqttJournal::store(MqttSessionState& state, MqttMessage& message, const MqttInflight* inflight) {
  if (state.storeId == 0) return;
  if (message.storeSequence == 0) message.storeSequence = state.delivery().nextStoreSequence++;
  turn_.put(kMessages, messageKey(key_, state.storeId, message.storeSequence),
            messageValue(value_, message, inflight));
}

void MqttJournal::settled(const MqttSessionState& state, const MqttMessage& message) {
  if (state.storeId == 0 || message.storeSequence == 0) return;
  eraseMessage(state, message.storeSequence);
}

void MqttJournal::eraseMessage(const MqttSessionState& state, std::uint64_t sequence) {
  turn_.erase(kMessages, messageKey(key_, state.storeId, sequence));
}

void MqttJournal::pubrelAwaited(const MqttSessionState& state, std::uint16_t packetId) {
  if (state.storeId == 0) return;
  turn_.put(kAwaitingPubrel, pubrelKey(key_, state.storeId, packetId), std::string_view("", 0));
}

void MqttJournal::pubrelSettled(const MqttSessionState& state, std::uint16_t packetId) {
  if (state.storeId == 0) return;
  turn_.erase(kAwaitingPubrel, pubrelKey(key_, state.storeId, packetId));
}

void MqttJournal::retained(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  if (!enabled()) return;
  value_.assign(1, static_cast<char>(qos));
  if (!payload.empty()) value_.append(payload);
  turn_.put(kRetained, topic, value_);
}

void MqttJournal::cleared(std::string_view topic) {
  if (!enabled()) return;
  turn_.erase(kRetained, topic);
}

}  // namespace linecast
