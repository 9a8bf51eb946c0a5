#include "protocols/mqtt/mqtt_protocol.h"

#include <algorithm>

#include "protocols/mqtt/mqtt_encoder.h"
#include "protocols/mqtt/mqtt_topic.h"
#include "util/log.h"

namespace linecast {

// The decoder's bound on a packet: a payload of --max-line and room for its
// topic and header (docs/PROTOCOL.md, decisions).
static constexpr std::size_t kMqttHeaderRoom = 64 * 1024;

MqttSession::~MqttSession() {
  if (ackHeld) protocol_.forgetHeldAck(*this);
}

void MqttSession::onInput(Connection& conn, std::span<char>, double now) { protocol_.process(conn, *this, now); }

bool MqttSession::deliver(Connection&, const Delivery&) {
  return false;  // MQTT subscribes through its MqttIndex, never the Router
}

void MqttSession::checkTimeouts(Connection& conn, double now) { protocol_.checkTimeouts(conn, *this, now); }

void MqttSession::refusePlaintext(Connection& conn) { protocol_.refusePlaintext(conn); }

void MqttSession::dropSubscriptions(Connection& conn) { protocol_.connectionEnded(conn, *this); }

void MqttSession::describe(const Connection&, SessionDescription& out) const {
  out.protocol = "mqtt";
  if (state != nullptr) {
    out.name = state->clientId;
    out.channels = state->filters.size();
  }
}

MqttProtocol::MqttProtocol(Broker& broker, MqttProtocolSettings settings)
    : broker_(broker),
      settings_(std::move(settings)),
      access_(settings_.authToken, settings_.users, settings_.jwt, broker),
      journal_(broker.storeTurn()),
      outbox_(settings_.limits, broker.metrics(), journal_),
      index_(outbox_),
      table_(broker.metrics()),
      localRetained_(settings_.retained) {
  broker_.addIndex(index_);
  if (settings_.stored != nullptr) {
    restore(*settings_.stored);
    settings_.stored.reset();
  }
  localRetained_.setJournal(&journal_);
}

void MqttProtocol::restore(MqttStoredState& stored) {
  {
    Broker::SubscriptionChange change(broker_);
    for (auto& owned : stored.sessions) {
      MqttSessionState& state = table_.adopt(std::move(owned));
      if (const MqttDelivery* delivery = state.heldDelivery()) {
        broker_.metrics().mqttQueuedMessages += static_cast<std::int64_t>(delivery->queued.size());
      }
    }
    // The table holds the states now; their filters become index records.
    for (const auto& held : stored.subscriptions) index_.add(*held.state, held.filter, held.qos);
  }
  stored.sessions.clear();
  stored.subscriptions.clear();
  localRetained_ = std::move(stored.retained);
  journal_.resumeIdsAt(stored.nextSessionId);
}

MqttProtocol::~MqttProtocol() { broker_.removeIndex(index_); }

std::unique_ptr<Session> MqttProtocol::open(Connection& conn) {
  auto session = std::make_unique<MqttSession>(*this, settings_.maxLine + kMqttHeaderRoom, decoded_);
  conn.setMaxPending(session->decoder.maxPending());
    return session;
}

void MqttProtocol::process(Connection& conn, MqttSession& session, double now) {
  RingBuffer& in = conn.input();
  if (session.ackHeld && !releaseHeldAck(conn, session)) return;
  while (conn.open() && !conn.fanoutSpent() && !conn.clusterParked && !in.empty()) {
    std::size_t length = 0;
    auto status = session.decoder.next(in, length);
    if (status == MqttDecoder::Status::kNeedMore) break;
    if (status == MqttDecoder::Status::kMalformed) {
      log(LogLevel::kInfo, "conn {} {} malformed MQTT packet: {}", conn.id(), conn.peer(),
          session.decoder.errorText());
      return close(conn, CloseReason::kProtocolError);
    }
    session.packetAt(conn.openedAt, now);
    dispatch(conn, session, now);
    // A close dropped the input: nothing is left to consume.
    if (!conn.open()) return;
    in.consume(length);
  }
  conn.inputWaiting = conn.open() && ((conn.fanoutSpent() && !in.empty()) || conn.clusterParked);
}

void MqttProtocol::acknowledgePublish(Connection& conn, MqttSession& session, MqttBytes ack, bool retain) {
  if (retain) conn.setClusterNeed(broker_.clusterMark());
  if (!retain || broker_.clusterConfirmed(conn.clusterNeed())) {
    conn.queue(ack.view());
    return;
  }
  heldAcks_.insert_or_assign(&session, ack);
  session.ackHeld = true;
  conn.clusterParked = true;
}

bool MqttProtocol::releaseHeldAck(Connection& conn, MqttSession& session) {
  if (!broker_.clusterConfirmed(conn.clusterNeed())) {
    conn.clusterParked = true;
    conn.inputWaiting = true;
    return false;
  }
  auto held = heldAcks_.find(&session);
  conn.queue(held->second.view());
  heldAcks_.erase(held);
  session.ackHeld = false;
  return true;
}

void MqttProtocol::forgetHeldAck(const MqttSession& session) { heldAcks_.erase(&session); }

void MqttProtocol::close(Connection& conn, CloseReason reason) {
  ++broker_.metrics().protocolErrors;
  conn.drain(reason);
}

void MqttProtocol::dispatch(Connection& conn, MqttSession& session, double now) {
  MqttPacketType type = session.decoder.type();
  // The first packet must be CONNECT, and only the first (3.1.0-1, 3.1.0-2).
  if (session.connected == (type == MqttPacketType::kConnect)) return close(conn, CloseReason::kProtocolError);
  if (session.connected && session.state == nullptr) return close(conn, CloseReason::kProtocolError);
  switch (type) {
    case MqttPacketType::kConnect: return connect(conn, session, session.decoder.connect(), now);
    case MqttPacketType::kPublish: return publish(conn, session, session.decoder.publish());
    case MqttPacketType::kPuback:
    case MqttPacketType::kPubrec:
    case MqttPacketType::kPubrel:
    case MqttPacketType::kPubcomp: return acknowledged(conn, session, session.decoder.ack());
    case MqttPacketType::kSubscribe: return subscribe(conn, session, session.decoder.subscribe());
    case MqttPacketType::kUnsubscribe: return unsubscribe(conn, session, session.decoder.subscribe());
    case MqttPacketType::kPingreq:
      conn.queue(mqttPingresp().view());
      return;
    case MqttPacketType::kDisconnect:
      // The will is discarded (3.14.4-3); the session ends as the
      // connection does.
      session.disconnected = true;
      session.will.reset();
      conn.drain(CloseReason::kQuit);
      return;
    default:  // a packet only a server sends
      return close(conn, CloseReason::kProtocolError);
  }
}

void MqttProtocol::publish(Connection& conn, MqttSession& session, const MqttPublish& packet) {
  // --max-line bounds a payload; past it the connection closes.
  if (packet.payload.size() > settings_.maxLine) return close(conn, CloseReason::kLineTooLong);
  const Permissions* permissions = conn.permissions();
  bool allowed = permissions == nullptr || permissions->mayPublishTopic(packet.topic);
  // Refused: dropped, still acknowledged (3.1.1 has no refusal).
  if (!allowed) ++broker_.metrics().permissionDenied[0];
  MqttSessionState& state = *session.state;
  switch (packet.qos) {
    case 0:
      if (allowed) route(packet.topic, packet.payload, 0, packet.retain);
      return;
    case 1:
      if (allowed) route(packet.topic, packet.payload, 1, packet.retain);
      return acknowledgePublish(conn, session, mqttAck(MqttPacketType::kPuback, packet.packetId),
                                allowed && packet.retain);
    default: {
      // Method B of 4.3.3: delivered onward now, and not again for this id
      // until its PUBREL.
      auto& ids = state.delivery().awaitingPubrel;
      if (std::find(ids.begin(), ids.end(), packet.packetId) == ids.end()) {
        if (allowed) route(packet.topic, packet.payload, 2, packet.retain);
        ids.push_back(packet.packetId);
        journal_.pubrelAwaited(state, packet.packetId);
      }
      return acknowledgePublish(conn, session, mqttAck(MqttPacketType::kPubrec, packet.packetId),
                                allowed && packet.retain);
    }
  }
}

void MqttProtocol::acknowledged(Connection& conn, MqttSession& session, const MqttAck& ack) {
  MqttSessionState& state = *session.state;
  switch (ack.type) {
    case MqttPacketType::kPuback: return outbox_.puback(state, ack.packetId);
    case MqttPacketType::kPubrec: return outbox_.pubrec(state, ack.packetId);
    case MqttPacketType::kPubcomp: return outbox_.pubcomp(state, ack.packetId);
    default: {  // PUBREL: the inbound QoS 2 id is settled; PUBCOMP even for an unknown one
      if (MqttDelivery* delivery = state.heldDelivery()) {
        auto& ids = delivery->awaitingPubrel;
        auto it = std::find(ids.begin(), ids.end(), ack.packetId);
        if (it != ids.end()) {
          ids.erase(it);
          journal_.pubrelSettled(state, ack.packetId);
        }
      }
      conn.queue(mqttAck(MqttPacketType::kPubcomp, ack.packetId).view());
      return;
    }
  }
}

void MqttProtocol::subscribe(Connection& conn, MqttSession& session, const MqttSubscribe& packet) {
  MqttSessionState& state = *session.state;
  const Permissions* permissions = conn.permissions();
  codes_.clear();
  {
    Broker::SubscriptionChange change(broker_);
    for (const MqttTopicRequest& request : *packet.topics) {
      if (permissions != nullptr && !permissions->maySubscribeFilter(request.filter)) {
        ++broker_.metrics().permissionDenied[1];
        codes_.push_back(kMqttSubackFailure);
        continue;
      }
      std::uint8_t granted = std::min<std::uint8_t>(request.qos, 2);
      // A stored session's filter must fit a key (docs/PROTOCOL.md).
      if (!journal_.subscribed(state, request.filter, granted)) {
        codes_.push_back(kMqttSubackFailure);
        continue;
      }
      index_.add(state, request.filter, granted);  // or replaced (3.8.4-3)
      codes_.push_back(granted);
    }
  }
  conn.queue(mqttSubackHead(packet.packetId, codes_.size()).view(),
             std::string_view(reinterpret_cast<const char*>(codes_.data()), codes_.size()));
  // After SUBACK, the retained messages of each new or replaced filter.
  for (std::size_t i = 0; i < codes_.size(); ++i) {
    if (codes_[i] == kMqttSubackFailure) continue;
    sendRetained(conn, state, (*packet.topics)[i].filter, codes_[i]);
  }
}

void MqttProtocol::unsubscribe(Connection& conn, MqttSession& session, const MqttSubscribe& packet) {
  MqttSessionState& state = *session.state;
  {
    Broker::SubscriptionChange change(broker_);
    for (const MqttTopicRequest& request : *packet.topics) {
      if (!index_.remove(state, request.filter)) continue;
      journal_.unsubscribed(state, request.filter);
    }
  }
  conn.queue(mqttAck(MqttPacketType::kUnsuback, packet.packetId).view());
}

void MqttProtocol::refusePlaintext(Connection& conn) {
  // docs/PROTOCOL.md, TLS: MQTT closes without CONNACK.
  close(conn, CloseReason::kTlsRequired);
}

void MqttProtocol::checkTimeouts(Connection& conn, MqttSession& session, double now) {
  if (!session.connected) {
    if (now - conn.openedAt >= settings_.authTimeout) close(conn, CloseReason::kAuthTimeout);
    return;
  }
  if (conn.credentialsExpire() > 0 && now >= conn.credentialsExpire()) return conn.drain(CloseReason::kTokenExpired);
  // One and a half keep-alive periods without a packet (3.1.2.10).
  if (session.keepAlive > 0 && session.sinceLastPacketMs(conn.openedAt, now) >= 1500u * session.keepAlive) {
    conn.drain(CloseReason::kIdleTimeout);
  }
}

}  // namespace linecast
