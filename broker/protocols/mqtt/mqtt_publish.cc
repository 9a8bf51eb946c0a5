// A message from an MQTT client into the one channel space (or among MQTT
// clients only), and the retained messages a new subscription receives.

#include "protocols/mqtt/mqtt_protocol.h"
#include "protocols/mqtt/mqtt_topic.h"

namespace linecast {

void MqttProtocol::route(std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain) {
  Metrics& metrics = broker_.metrics();
  if (mqttTopicToChannel(topic, channel_)) {
    // 3.3.1-10/11: an empty payload clears the retained message and is
    // still delivered. Over a limit: neither retained nor published.
    if (retain && !retainOnChannel(topic, payload, qos)) {
      ++metrics.protocolErrors;
      return;
    }
    // The Broker calls the MqttIndex back synchronously on this thread:
    // the message's QoS rides along for that call only (and to the other
    // nodes, --cluster). A payload with '\n' reaches the indexes only
    // (counted undeliverable for line subscribers).
    broker_.beginMqttMessage(qos);
    broker_.publishAnyBytes(channel_, payload);
    broker_.endMqttMessage();
    return;
  }
  // An MQTT-only topic reaches MQTT subscribers only, here and on the other
  // nodes (--cluster): line and RESP never see it. Under --data-dir its
  // topic must fit a key.
  if (retain && (journal_.refusesTopic(topic) ||
                 localRetained_.retain(topic, payload, qos) == RetainedStore::Outcome::kOverLimit)) {
    ++metrics.protocolErrors;
    return;
  }
  ++metrics.messagesPublished;
  metrics.messagesDelivered += index_.publishTopic(topic, payload, qos);
  broker_.publishMqttTopicToCluster(topic, payload, qos);
}

bool MqttProtocol::retainOnChannel(std::string_view topic, std::string_view payload, std::uint8_t qos) {
  // --cluster with Redis unreachable: as over a limit (MQTT 3.1.1 has no
  // negative acknowledgement).
  if (!broker_.retainAvailable()) return false;
  // A payload with '\n' cannot be a line subscriber's MSG: it is kept
  // among MQTT clients, and the channel keeps no older value meanwhile.
  if (payload.find('\n') != std::string_view::npos) {
    if (localRetained_.retain(topic, payload, qos) == RetainedStore::Outcome::kOverLimit) return false;
    broker_.clearRetained(channel_);
    return true;
  }
  // Through the Broker, so that under --fsync always this turn's PUBACK
  // waits for the store.
  if (broker_.retain(channel_, payload, qos) == RetainedStore::Outcome::kOverLimit) return false;
  localRetained_.retain(topic, {}, 0);  // clears an older one with '\n'
  return true;
}

void MqttProtocol::sendRetained(Connection& conn, MqttSessionState& state, std::string_view filter,
                                std::uint8_t granted) {
  // Each at the lower of the granted QoS and the QoS it was retained with
  // (MQTT-3.3.1-5; 1 for a message from another protocol).
  std::size_t delivered = 0;
  auto send = [&](std::string_view topic, std::string_view payload, std::uint8_t retainedQos) {
    if (!state.permits(topic)) return;
    if (outbox_.deliver(state, topic, payload, std::min(granted, retainedQos), true)) ++delivered;
  };
  if (mqttFilterToPatterns(filter, patterns_)) {
    views_.assign(patterns_.begin(), patterns_.end());
    // Under the store's lock: the visit only queues.
    broker_.retained().forEachMatch(
        views_, [&](std::string_view channel, std::string_view payload, std::uint8_t retainedQos) {
          if (mqttChannelToTopic(channel, retainedTopic_)) send(retainedTopic_, payload, retainedQos);
          return conn.open();
        });
  }
  localRetained_.forEachMatch(filter, send);
  broker_.metrics().messagesDelivered += delivered;
}

}  // namespace linecast
