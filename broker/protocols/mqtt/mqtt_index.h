#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <vector>

#include "protocols/mqtt/mqtt_filter_subscribers.h"
#include "protocols/mqtt/mqtt_outbox.h"
#include "protocols/mqtt/mqtt_session_state.h"
#include "routing/subscription_index.h"
#include "util/string_hash.h"

namespace linecast {

// The MQTT subscriptions of thread 0 (every MQTT connection lives there),
// in MQTT form. A filter without wildcards sits in a hash map (one lookup
// finds every session subscribed to a topic, however many); a filter with
// '+' or '#' in another, whose filters each publish walks, once per filter
// however many sessions hold it (docs/ARCHITECTURE.md, "Known seams": a
// level tree would bound that walk when wildcard filters number in the
// thousands).
//
// A message is delivered once per session, at the lower of the message's
// QoS and the highest QoS granted among that session's matching filters
// (MQTT-3.3.5-1). The de-duplication stamps each session's state, so a
// publish allocates nothing. Persistent sessions stay here while offline:
// their QoS 1/2 deliveries are queued (MqttOutbox).
class MqttIndex final : public SubscriptionIndex {
 public:
  explicit MqttIndex(MqttOutbox& outbox) : outbox_(outbox) {}

  // A message from any protocol (a channel), or forwarded by another
  // thread: to its MQTT topic, if it has one, at messageQos().
  std::size_t publish(std::string_view channel, std::string_view payload) override;
  std::size_t countMatches(std::string_view channel) const override;
  std::size_t subscriptionCount() const override { return count_; }
  void describe(PubsubCensus& census) const override;

  // A message on an MQTT topic at `qos`: MQTT-only topics come here
  // directly (or from another node through the Broker); mapped ones
  // through the Broker, which calls publish().
  std::size_t publishTopic(std::string_view topic, std::string_view payload, std::uint8_t qos) override;

  // The QoS of the messages publish() receives: 1 (other protocols' messages
  // are "capped at 1"), except while an MQTT client's message runs through
  // the Broker (synchronously, on this thread: Broker::beginMqttMessage,
  // or one from another node), which sets it.
  void setMessageQos(std::uint8_t qos) override { messageQos_ = qos; }
  void resetMessageQos() override { messageQos_ = 1; }

  // --cluster: each filter's first subscriber and last (kMqttFilter). The
  // filters held already (persistent sessions restored at start) are
  // reported at once.
  void setInterestSink(InterestSink* sink) override;

  // Under Broker::SubscriptionChange. add() replaces the filter's QoS if
  // the session held it; remove() says whether it did. The session's
  // MqttSessionFilters follow (they point at this index's records).
  void add(MqttSessionState& state, std::string_view filter, std::uint8_t qos);
  bool remove(MqttSessionState& state, std::string_view filter);
  // Every filter of the session (it ends).
  void removeAll(MqttSessionState& state);

 private:
  using Entry = MqttSubscriber;
  // Filter -> its subscribers; a node is an MqttFilterRecord, which the
  // sessions point at (a node stays put through rehashes).
  using Records = std::unordered_map<std::string, MqttFilterSubscribers, StringHash, std::equal_to<>>;
  static_assert(std::is_same_v<Records::value_type, MqttFilterRecord>);

  Records& recordsOf(std::string_view filter);
  // Takes the session's entry `at` out of `record` and the record out of
  // the session's filters; the record goes once it has no subscriber.
  void detach(MqttSessionState& state, MqttFilterRecord& record, Entry* at);
  // Stamps a matching session (its highest granted QoS kept) and lists it
  // once in matched_.
  void match(MqttSessionState& state, std::uint8_t qos);

  MqttOutbox& outbox_;
  Records exact_;      // filters without wildcards: one lookup per publish
  Records wildcards_;  // with '+' or '#': each publish walks them
  std::size_t count_ = 0;
  InterestSink* interest_ = nullptr;
  std::uint8_t messageQos_ = 1;
  std::uint64_t stamp_ = 0;
  std::vector<MqttSessionState*> matched_;  // reused by each publish
  std::string topic_;                       // reused: a channel's topic
};

}  // namespace linecast
