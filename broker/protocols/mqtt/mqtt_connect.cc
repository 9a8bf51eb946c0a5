// CONNECT and the end of a connection: authentication, the session table
// (clean and persistent sessions, take-over), the will.

#include "protocols/mqtt/mqtt_encoder.h"
#include "protocols/mqtt/mqtt_protocol.h"
#include "util/log.h"

namespace linecast {

void MqttProtocol::connect(Connection& conn, MqttSession& session, const MqttConnect& packet, double now) {
  // MQTT 3.1 ("MQIsdp") and MQTT at another level get CONNACK 1 (3.1.2-2);
  // any other name is not MQTT at all (3.1.2-1; the decoder refuses it).
  if (packet.protocolName == "MQIsdp" || packet.protocolLevel != 4) {
    return refuseConnect(conn, MqttConnackCode::kUnacceptableProtocolVersion);
  }
  if (packet.protocolName != "MQTT") return close(conn, CloseReason::kProtocolError);
  std::string clientId(packet.clientId);
  if (clientId.empty()) {
    // 3.1.3-6, 3.1.3-8: an id is assigned only for a clean session.
    if (!packet.cleanSession) return refuseConnect(conn, MqttConnackCode::kIdentifierRejected);
    clientId = table_.assignId();
  }
  MqttConnackCode refusal = MqttConnackCode::kAccepted;
  if (!authenticate(conn, packet, refusal)) return refuseConnect(conn, refusal);

  session.connected = true;
  session.keepAlive = packet.keepAlive;
  session.packetAt(conn.openedAt, now);
  if (packet.hasWill) {
    session.will.reset(new MqttPendingWill{std::string(packet.will.topic), std::string(packet.will.payload),
                                           packet.will.qos, packet.will.retain});
  }
  MqttSessionState* state = table_.find(clientId);
  if (state != nullptr && state->connection() != nullptr) {
    takeOver(*state);
    state = table_.find(clientId);  // a clean session ended with its connection
  }
  if (state != nullptr && packet.cleanSession) {
    discardState(*state);  // 3.1.2-6
    state = nullptr;
  }
  bool present = state != nullptr;
  if (state == nullptr) state = &table_.create(clientId);
  state->clean = packet.cleanSession;
  state->attach(conn);  // with the connection's permissions
  // A persistent session is stored from here (--data-dir), with the
  // permissions it connected with; CONNACK waits for it under --fsync
  // always.
  if (!state->clean) journal_.connected(*state);
  session.state = state;
  conn.queue(mqttConnack(present, MqttConnackCode::kAccepted).view());
  // 4.4: what was in flight again with DUP, then what queued meanwhile.
  outbox_.resume(*state);
}

bool MqttProtocol::authenticate(Connection& conn, const MqttConnect& packet, MqttConnackCode& refusal) {
  if (packet.hasUserName && access_.required()) {
    // docs/PROTOCOL.md: user name "token" or "jwt" with the token or JWT as
    // the password; any other, a user of the users file.
    bool ok = false;
    if (packet.userName == "token" || packet.userName == "jwt") {
      ok = access_.withToken(conn, packet.password);
    } else if (access_.hasUsers()) {
      ok = access_.withPassword(conn, packet.userName, packet.password);
    } else {
      access_.countFailure();
    }
    if (!ok) {
      refusal = MqttConnackCode::kBadUserNameOrPassword;
      return false;
    }
  }
  // No credentials: admitted only as the anonymous user, a client
  // certificate's user, or when nothing is required.
  if (!conn.authenticated) {
    access_.countFailure();
    refusal = MqttConnackCode::kNotAuthorized;
    return false;
  }
  return true;
}

void MqttProtocol::refuseConnect(Connection& conn, MqttConnackCode code) {
  // 3.2.2-5: a refusal's CONNACK, then the connection closes.
  conn.queue(mqttConnack(false, code).view());
  bool credentials = code == MqttConnackCode::kBadUserNameOrPassword || code == MqttConnackCode::kNotAuthorized;
  close(conn, credentials ? CloseReason::kAuthFailed : CloseReason::kProtocolError);
}

void MqttProtocol::takeOver(MqttSessionState& state) {
  Connection& old = *state.connection();
  MqttSession& session = mqttSession(old);
  log(LogLevel::kInfo, "conn {} {} MQTT client id taken over", old.id(), old.peer());
  // Closed without DISCONNECT as far as the old client is concerned: its
  // will goes out (3.1.4-2, 3.1.2-8).
  endSession(old, session, true);
  old.drain(CloseReason::kTakenOver);
}

void MqttProtocol::connectionEnded(Connection& conn, MqttSession& session) {
  // A server shutting down sends no wills: the other threads may already
  // have stopped taking messages.
  endSession(conn, session, !session.disconnected && conn.reason() != CloseReason::kShutdown);
}

void MqttProtocol::endSession(Connection& conn, MqttSession& session, bool publishWill) {
  MqttSessionState* state = session.state;
  if (state == nullptr) return;  // never connected, or already ended
  session.state = nullptr;
  if (publishWill && session.will != nullptr) {
    const MqttPendingWill& will = *session.will;
    const Permissions* permissions = conn.permissions();
    if (permissions == nullptr || permissions->mayPublishTopic(will.topic)) {
      route(will.topic, will.payload, will.qos, will.retain);
    } else {
      ++broker_.metrics().permissionDenied[0];
    }
  }
  session.will.reset();
  if (state->clean) {
    discardState(*state);  // 3.1.2-6: it lasts as long as the connection
  } else {
    state->detach();  // offline: QoS 1/2 deliveries queue
  }
}

void MqttProtocol::discardState(MqttSessionState& state) {
  journal_.discarded(state);
  {
    Broker::SubscriptionChange change(broker_);
    index_.removeAll(state);
  }
  outbox_.forget(state);
  table_.erase(state.clientId);  // the state is gone after this
}

}  // namespace linecast
