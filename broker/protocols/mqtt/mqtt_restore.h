#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "persist/data_store.h"
#include "protocols/mqtt/mqtt_local_retained.h"
#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {

// What --data-dir held of MQTT at start (records: mqtt_store_records.h):
// the persistent sessions, offline, each with its subscriptions, window,
// queue and inbound QoS 2 ids; and the MQTT-only retained messages. The
// ReactorGroup reads it before the StoreWriter takes the store; thread 0's
// MqttProtocol takes it over when it is made.
struct MqttStoredState {
  explicit MqttStoredState(RetainedLimits limits) : retained(limits) {}

  // A stored session's filter. A session holds its filters as the
  // MqttIndex's records, which do not exist yet: MqttProtocol::restore
  // adds these to its index.
  struct Subscription {
    MqttSessionState* state;  // one of `sessions`
    std::string filter;
    std::uint8_t qos;
  };

  std::vector<std::unique_ptr<MqttSessionState>> sessions;
  std::vector<Subscription> subscriptions;  // in key order: by session, then filter
  MqttLocalRetained retained;
  std::size_t retainedCount = 0;
  std::uint64_t nextSessionId = 1;  // above every stored one
};

// Throws StoreError for a record we did not write, or retained messages
// past the limits (as RetainedPersistence::load: starting with some would
// drop the others in silence).
std::unique_ptr<MqttStoredState> restoreMqtt(DataStore& store, RetainedLimits limits);

}  // namespace linecast
