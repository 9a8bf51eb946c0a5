#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "persist/data_store.h"
#include "persist/store_turn.h"
#include "protocols/mqtt/mqtt_session_state.h"
#include "routing/retained_store.h"

namespace linecast {

// What MQTT writes to --data-dir (records: mqtt_store_records.h): the
// persistent sessions, each change as it happens (a message held, sent,
// acknowledged; a subscription; an inbound QoS 2 id), and, as the
// MqttLocalRetained's journal, the MQTT-only retained messages. Each write
// is staged in this thread's StoreTurn, so the turn's acknowledgements
// (CONNACK, SUBACK, PUBACK, PUBREC) wait for it under --fsync always and
// the reactor never waits for LMDB otherwise.
//
// A session's calls do nothing unless it is stored (storeId != 0): clean
// sessions and servers without --data-dir never reach the store. Thread 0
// only, as every MQTT session.
class MqttJournal {
 public:
  // A subscription's key holds its filter after the session's 8 bytes.
  static constexpr std::size_t kLongestFilter = DataStore::kMaxKeySize - 8;

  explicit MqttJournal(StoreTurn& turn) : turn_(turn) {}

  bool enabled() const { return turn_.enabled(); }
  // The first id given by created() (the ids read back at start are below).
  void resumeIdsAt(std::uint64_t next) { nextSessionId_ = next; }
  // Whether a retained message on the MQTT-only topic cannot be stored
  // (its key would be too long); it is then refused as over a limit.
  bool refusesTopic(std::string_view topic) const { return enabled() && topic.size() > DataStore::kMaxKeySize; }

  // A client connected to a persistent session: a new one gets its id; the
  // record holds the permissions it connected with, which its deliveries
  // are checked against while it is away, across a restart too.
  void connected(MqttSessionState& state);
  // Every record of a stored session (it is discarded).
  void discarded(const MqttSessionState& state);
  // False: the filter is too long to be stored, nothing was staged.
  bool subscribed(const MqttSessionState& state, std::string_view filter, std::uint8_t qos);
  void unsubscribed(const MqttSessionState& state, std::string_view filter);
  // A message entered the queue (`message` is its new place).
  void queued(MqttSessionState& state, MqttMessage& message);
  // A message entered the window, or passed PUBREC.
  void inflight(MqttSessionState& state, MqttInflight& message);
  // A message left: acknowledged, or dropped from a full queue.
  void settled(const MqttSessionState& state, const MqttMessage& message);
  void pubrelAwaited(const MqttSessionState& state, std::uint16_t packetId);
  void pubrelSettled(const MqttSessionState& state, std::uint16_t packetId);

  // The MqttLocalRetained's changes, as they happen: its topics are few
  // and live on thread 0, so they need none of the RetainedStore's
  // coalescing (routing/retained_store.h).
  void retained(std::string_view topic, std::string_view payload, std::uint8_t qos);
  void cleared(std::string_view topic);

 private:
  void store(MqttSessionState& state, MqttMessage& message, const MqttInflight* inflight);
  void eraseMessage(const MqttSessionState& state, std::uint64_t sequence);

  StoreTurn& turn_;
  std::uint64_t nextSessionId_ = 1;
  std::string key_;    // reused
  std::string value_;  // reused
};

}  // namespace linecast
