#include "protocols/mqtt/mqtt_restore.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <string>
#include <string_view>

#include "protocols/mqtt/mqtt_store_records.h"
#include "protocols/mqtt/mqtt_topic.h"

namespace linecast {

using namespace mqtt_records;

namespace {

[[noreturn]] void corrupt(DataStore& store, std::string_view what) {
  throw StoreError(fmt::format("{} is corrupt: a malformed MQTT {} record", store.dataFile(), what));
}

}  // namespace

std::unique_ptr<MqttStoredState> restoreMqtt(DataStore& store, RetainedLimits limits) {
  auto stored = std::make_unique<MqttStoredState>(limits);
  std::map<std::uint64_t, MqttSessionState*> byId;
  store.forEach(kSessions, [&](std::string_view key, std::string_view value) {
    std::uint64_t id = readBigEndian(key);
    auto session = parseSession(value);
    if (key.size() != kIdBytes || id == 0 || !session || byId.contains(id)) corrupt(store, "session");
    auto state = std::make_unique<MqttSessionState>();
    state->clientId = std::move(session->clientId);
    state->detachWith(std::move(session->permissions));  // offline
    state->clean = false;
    state->storeId = id;
    byId.emplace(id, state.get());
    stored->sessions.push_back(std::move(state));
    stored->nextSessionId = std::max(stored->nextSessionId, id + 1);
  });
  // A record of a session that has no session record is not ours.
  auto sessionOf = [&](std::string_view key, std::size_t least, std::string_view what) {
    if (key.size() < kIdBytes + least) corrupt(store, what);
    auto it = byId.find(readBigEndian(key.substr(0, kIdBytes)));
    if (it == byId.end()) corrupt(store, what);
    return it->second;
  };
  store.forEach(kSubscriptions, [&](std::string_view key, std::string_view qos) {
    MqttSessionState* state = sessionOf(key, 1, "subscription");
    std::string_view filter = key.substr(kIdBytes);
    if (qos.size() != 1 || static_cast<unsigned char>(qos[0]) > 2 || !mqttTopicFilterValid(filter)) {
      corrupt(store, "subscription");
    }
    stored->subscriptions.push_back({state, std::string(filter), static_cast<std::uint8_t>(qos[0])});
  });
  // In key order: each session's messages in the order they were first
  // held, which is the window's order, then the queue's.
  store.forEach(kMessages, [&](std::string_view key, std::string_view value) {
    MqttSessionState* state = sessionOf(key, 8, "message");
    auto message = parseMessage(key, value);
    if (!message) corrupt(store, "message");
    MqttDelivery& delivery = state->delivery();
    delivery.nextStoreSequence = std::max(delivery.nextStoreSequence, message->sequence + 1);
    if (message->stage == kQueued) {
      delivery.queued.push_back(std::move(message->message));
      return;
    }
    MqttInflight sent;
    sent.packetId = message->packetId;
    sent.stage = static_cast<MqttInflight::Stage>(message->stage - 1);
    sent.message = std::move(message->message);
    delivery.inflight.push_back(std::move(sent));
  });
  store.forEach(kAwaitingPubrel, [&](std::string_view key, std::string_view) {
    MqttSessionState* state = sessionOf(key, 2, "QoS 2 id");
    auto id = static_cast<std::uint16_t>(readBigEndian(key.substr(kIdBytes)));
    if (key.size() != kIdBytes + 2 || id == 0) corrupt(store, "QoS 2 id");
    state->delivery().awaitingPubrel.push_back(id);
  });
  for (auto& state : stored->sessions) {
    if (MqttDelivery* delivery = state->heldDelivery()) delivery->inflightRestored();
  }
  store.forEach(kRetained, [&](std::string_view topic, std::string_view value) {
    if (value.size() < 2 || static_cast<unsigned char>(value[0]) > 2 || !mqttTopicNameValid(topic)) {
      corrupt(store, "retained");
    }
    if (stored->retained.retain(topic, value.substr(1), static_cast<std::uint8_t>(value[0])) ==
        RetainedStore::Outcome::kOverLimit) {
      throw StoreError(fmt::format(
          "{} holds more MQTT-only retained messages than --max-retained {} and --max-retained-bytes {} allow; "
          "raise the limits to start",
          store.directory(), limits.messages, limits.bytes));
    }
    ++stored->retainedCount;
  });
  return stored;
}

}  // namespace linecast
