#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "protocols/access_control.h"
#include "protocols/mqtt/mqtt_index.h"
#include "protocols/mqtt/mqtt_journal.h"
#include "protocols/mqtt/mqtt_local_retained.h"
#include "protocols/mqtt/mqtt_outbox.h"
#include "protocols/mqtt/mqtt_packet.h"
#include "protocols/mqtt/mqtt_restore.h"
#include "protocols/mqtt/mqtt_session.h"
#include "protocols/mqtt/mqtt_session_table.h"
#include "protocols/protocol.h"
#include "routing/broker.h"

namespace linecast {

struct MqttProtocolSettings {
  std::size_t maxLine = 1024 * 1024;  // the largest PUBLISH payload
  std::string authToken;              // empty: no token
  double authTimeout = 5;             // seconds to send CONNECT
  std::shared_ptr<UserDirectoryStore> users = nullptr;
  std::shared_ptr<JwtKeyStore> jwt = nullptr;
  MqttLimits limits;
  RetainedLimits retained;  // for the MQTT-only topics' retained messages
  // What --data-dir held at start (thread 0 only; null: nothing to take).
  std::shared_ptr<MqttStoredState> stored = nullptr;
};

// MQTT 3.1.1 (OASIS standard; docs/PROTOCOL.md, "MQTT 3.1.1") on its own
// port. Every MQTT connection lives on reactor thread 0 (its listener row
// is firstThreadOnly), so the session table, take-over and packet ids need
// no lock; messages from other threads reach the MqttIndex through the
// Interconnect like any index subscription. A topic that is a channel is
// published through the Broker into the one channel space; an MQTT-only
// topic goes to the index alone.
class MqttProtocol final : public Protocol {
 public:
  MqttProtocol(Broker& broker, MqttProtocolSettings settings);
  ~MqttProtocol() override;
  MqttProtocol(const MqttProtocol&) = delete;
  MqttProtocol& operator=(const MqttProtocol&) = delete;

  std::string_view name() const override { return "mqtt"; }
  // Alone on its port: the fallback, which claims every byte (a first
  // packet that is not CONNECT closes the connection).
  bool claims(char) const override { return true; }
  std::unique_ptr<Session> open(Connection& conn) override;

  // Executes every whole packet in the connection's input.
  void process(Connection& conn, MqttSession& session, double now);
  // The cron: --auth-timeout before CONNECT, 1.5 x keep-alive without a
  // packet, a JWT's expiry.
  void checkTimeouts(Connection& conn, MqttSession& session, double now);
  void refusePlaintext(Connection& conn);
  // The connection is over (MqttSession::dropSubscriptions): the will
  // unless it sent DISCONNECT, then a clean session is discarded and a
  // persistent one goes offline.
  void connectionEnded(Connection& conn, MqttSession& session);

  MqttIndex& index() { return index_; }
  // The session ends with an acknowledgement still held (~MqttSession).
  void forgetHeldAck(const MqttSession& session);

 private:
  // mqtt_connect.cc
  void connect(Connection& conn, MqttSession& session, const MqttConnect& packet, double now);
  bool authenticate(Connection& conn, const MqttConnect& packet, MqttConnackCode& refusal);
  void refuseConnect(Connection& conn, MqttConnackCode code);
  // Another connection holds the client id: it is closed as if without
  // DISCONNECT (its will goes out) and its state detached.
  void takeOver(MqttSessionState& state);
  // Detaches the session from its state: will, then discard or offline.
  void endSession(Connection& conn, MqttSession& session, bool publishWill);
  void discardState(MqttSessionState& state);

  // mqtt_protocol.cc
  // Takes over the sessions and retained messages read from --data-dir.
  void restore(MqttStoredState& stored);
  void dispatch(Connection& conn, MqttSession& session, double now);
  void publish(Connection& conn, MqttSession& session, const MqttPublish& packet);
  // A publisher's PUBACK/PUBREC; for a retained message, with --cluster,
  // held (the connection parked) until Redis stored it.
  void acknowledgePublish(Connection& conn, MqttSession& session, MqttBytes ack, bool retain);
  // The held one, if Redis stored its message meanwhile; false while it
  // still waits (the connection parked again).
  bool releaseHeldAck(Connection& conn, MqttSession& session);
  void subscribe(Connection& conn, MqttSession& session, const MqttSubscribe& packet);
  void unsubscribe(Connection& conn, MqttSession& session, const MqttSubscribe& packet);
  void acknowledged(Connection& conn, MqttSession& session, const MqttAck& ack);
  void close(Connection& conn, CloseReason reason);

  // mqtt_publish.cc: a message from an MQTT client (PUBLISH or will) into
  // the channel space or among MQTT clients, with its retain flag.
  void route(std::string_view topic, std::string_view payload, std::uint8_t qos, bool retain);
  // RETAIN on a topic that is a channel (channel_ holds it): the
  // channels' store, or the MQTT-only one for a payload with '\n'. False:
  // over a limit.
  bool retainOnChannel(std::string_view topic, std::string_view payload, std::uint8_t qos);
  // The retained messages a new or replaced filter matches, RETAIN=1, at
  // the lower of the granted QoS and 1.
  void sendRetained(Connection& conn, MqttSessionState& state, std::string_view filter, std::uint8_t granted);

  Broker& broker_;
  MqttProtocolSettings settings_;
  AccessControl access_;
  MqttJournal journal_;  // before outbox_, which writes through it
  MqttOutbox outbox_;
  MqttIndex index_;
  MqttSessionTable table_;
  MqttLocalRetained localRetained_;
  std::string channel_;                // reused: a topic's channel
  std::vector<std::string> patterns_;  // reused: a filter's channel patterns
  std::vector<std::string_view> views_;  // reused: the same, for RetainedStore
  std::string retainedTopic_;          // reused: a retained channel's topic
  std::vector<std::uint8_t> codes_;    // reused: SUBACK's return codes
  MqttDecodedPacket decoded_;          // every session's decoder's output
  // --cluster: the acknowledgements held for sessions (MqttSession::ackHeld),
  // here rather than 10 bytes in every session.
  std::unordered_map<const MqttSession*, MqttBytes> heldAcks_;
};

}  // namespace linecast
