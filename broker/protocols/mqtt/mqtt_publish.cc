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
    if (retain && !retainOnChannel(topic, payload)) {
      ++metrics.protocolErrors;
      return;
    }
    // The Broker calls the MqttIndex back synchronously on this thread:
    // the message's QoS rides along for that call only. A payload with
    // '\n' reaches the indexes only (counted undeliverable for line
    // subscribers).
    index_.setMessageQos(qos);
    broker_.publishAnyBytes(channel_, payload);
    index_.resetMessageQos();
    return;
  }
  // An MQTT-only topic never leaves this thread: line and RESP never see it.
  if (retain && localRetained_.retain(topic, payload) == RetainedStore::Outcome::kOverLimit) {
    ++metrics.protocolErrors;
    return;
  }
  ++metrics.messagesPublished;
  metrics.messagesDelivered += index_.publishTopic(topic, payload, qos);
}

bool MqttProtocol::retainOnChannel(std::string_view topic, std::string_view payload) {
  // A payload with '\n' cannot be a line subscriber's MSG: it is kept
  // among MQTT clients, and the channel keeps no older value meanwhile.
  if (payload.find('\n') != std::string_view::npos) {
    if (localRetained_.retain(topic, payload) == RetainedStore::Outcome::kOverLimit) return false;
    broker_.retained().clear(channel_);
    return true;
  }
  if (broker_.retained().retain(channel_, payload) == RetainedStore::Outcome::kOverLimit) return false;
  localRetained_.retain(topic, {});  // clears an older one with '\n'
  return true;
}

void MqttProtocol::sendRetained(Connection& conn, MqttSessionState& state, std::string_view filter,
                                std::uint8_t granted) {
  // The store keeps no QoS: sent at the lower of the granted QoS and 1.
  std::uint8_t qos = std::min<std::uint8_t>(granted, 1);
  std::size_t delivered = 0;
  auto send = [&](std::string_view topic, std::string_view payload) {
    if (!state.permits(topic)) return;
    if (outbox_.deliver(state, topic, payload, qos, true)) ++delivered;
  };
  if (mqttFilterToPatterns(filter, patterns_)) {
    views_.assign(patterns_.begin(), patterns_.end());
    // Under the store's lock: the visit only queues.
    broker_.retained().forEachMatch(views_, [&](std::string_view channel, std::string_view payload) {
      if (mqttChannelToTopic(channel, retainedTopic_)) send(retainedTopic_, payload);
      return conn.open();
    });
  }
  localRetained_.forEachMatch(filter, send);
  broker_.metrics().messagesDelivered += delivered;
}

}  // namespace linecast
