#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "metrics.h"
#include "protocols/mqtt/mqtt_journal.h"
#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {

class Connection;

// --mqtt-max-inflight and --mqtt-max-queued (docs/PROTOCOL.md, MQTT).
struct MqttLimits {
  std::size_t maxInflight = 20;  // as Mosquitto's max_inflight_messages
  std::size_t maxQueued = 1000;
};

// The outbound side of MQTT's QoS (OASIS 4.3): a message for one session
// goes out at once at QoS 0 (dropped while offline), into the in-flight
// window at QoS 1/2 while the session is online and the window has room,
// else into its queue, whose oldest message is dropped past the limit.
// Acknowledgements free the window and the queue moves up; a reconnect
// resends what was in flight with DUP=1. Each change to a stored session's
// window or queue goes to the journal (--data-dir).
class MqttOutbox {
 public:
  MqttOutbox(MqttLimits limits, Metrics& metrics, MqttJournal& journal)
      : limits_(limits), metrics_(metrics), journal_(journal) {}

  // `qos` is already the delivery's (the lower of granted and sent).
  // Returns whether it was sent or held.
  bool deliver(MqttSessionState& state, std::string_view topic, std::string_view payload, std::uint8_t qos,
               bool retain);

  // The client's acknowledgements of our PUBLISHes; an unknown id or a
  // packet at the wrong stage is ignored.
  void puback(MqttSessionState& state, std::uint16_t packetId);
  void pubrec(MqttSessionState& state, std::uint16_t packetId);
  void pubcomp(MqttSessionState& state, std::uint16_t packetId);

  // A persistent session reattached (OASIS 4.4): its in-flight messages
  // again with DUP=1 (a PUBREL for those awaiting PUBCOMP), then the queue.
  void resume(MqttSessionState& state);

  // The state is discarded: its queue leaves the gauge.
  void forget(MqttSessionState& state);

 private:
  void send(Connection& conn, const MqttInflight& message, bool dup);
  // Moves queued messages into the window while it has room.
  void pump(MqttSessionState& state);
  // The message in flight with that id; null: none (or no QoS 1/2 side yet).
  static MqttInflight* inflight(MqttSessionState& state, std::uint16_t packetId);
  void hold(MqttSessionState& state, MqttMessage message);

  MqttLimits limits_;
  Metrics& metrics_;
  MqttJournal& journal_;
};

}  // namespace linecast
