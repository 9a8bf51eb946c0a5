#include "protocols/mqtt/mqtt_outbox.h"

#include <utility>

#include "net/connection.h"
#include "protocols/mqtt/mqtt_encoder.h"

namespace linecast {

namespace {

bool online(const MqttSessionState& state) {
  return state.connection() != nullptr && state.connection()->open();
}

}  // namespace

bool MqttOutbox::deliver(MqttSessionState& state, std::string_view topic, std::string_view payload,
                         std::uint8_t qos, bool retain) {
  if (qos == 0) {
    // Nothing is allocated: the pieces go straight into the output ring.
    if (!online(state)) return false;
    MqttBytes head = mqttPublishHead(topic.size(), payload.size(), 0, false, retain);
    return state.connection()->queue(head.view(), topic, payload);
  }
  MqttMessage message{std::string(topic), std::string(payload), qos, retain};
  MqttDelivery& delivery = state.delivery();
  if (!online(state) || !delivery.queued.empty() || delivery.inflight.size() >= limits_.maxInflight) {
    hold(state, std::move(message));
    return true;
  }
  std::uint16_t id = delivery.allocatePacketId();
  MqttInflight& sent = delivery.inflight.emplace_back();
  sent.packetId = id;
  sent.stage = qos == 1 ? MqttInflight::Stage::kAwaitPuback : MqttInflight::Stage::kAwaitPubrec;
  sent.message = std::move(message);
  journal_.inflight(state, sent);
  send(*state.connection(), sent, false);
  return true;
}

void MqttOutbox::hold(MqttSessionState& state, MqttMessage message) {
  if (limits_.maxQueued == 0) {
    ++metrics_.mqttDropped;
    return;
  }
  auto& queued = state.delivery().queued;
  if (queued.size() >= limits_.maxQueued) {
    journal_.settled(state, queued.front());
    queued.pop_front();
    --metrics_.mqttQueuedMessages;
    ++metrics_.mqttDropped;
  }
  queued.push_back(std::move(message));
  journal_.queued(state, queued.back());
  ++metrics_.mqttQueuedMessages;
}

void MqttOutbox::send(Connection& conn, const MqttInflight& message, bool dup) {
  const MqttMessage& m = message.message;
  if (message.stage == MqttInflight::Stage::kAwaitPubcomp) {
    conn.queue(mqttAck(MqttPacketType::kPubrel, message.packetId).view());
    return;
  }
  MqttBytes head = mqttPublishHead(m.topic.size(), m.payload.size(), m.qos, dup, m.retain);
  conn.queue(head.view(), std::string_view(m.topic), mqttPacketId(message.packetId).view(),
             std::string_view(m.payload));
}

void MqttOutbox::pump(MqttSessionState& state) {
  MqttDelivery* delivery = state.heldDelivery();
  if (delivery == nullptr) return;
  while (online(state) && !delivery->queued.empty() && delivery->inflight.size() < limits_.maxInflight) {
    std::uint16_t id = delivery->allocatePacketId();
    MqttInflight& sent = delivery->inflight.emplace_back();
    sent.packetId = id;
    sent.message = std::move(delivery->queued.front());
    sent.stage = sent.message.qos == 1 ? MqttInflight::Stage::kAwaitPuback : MqttInflight::Stage::kAwaitPubrec;
    delivery->queued.pop_front();
    --metrics_.mqttQueuedMessages;
    journal_.inflight(state, sent);
    send(*state.connection(), sent, false);
  }
}

MqttInflight* MqttOutbox::inflight(MqttSessionState& state, std::uint16_t packetId) {
  MqttDelivery* delivery = state.heldDelivery();
  return delivery == nullptr ? nullptr : delivery->findInflight(packetId);
}

void MqttOutbox::puback(MqttSessionState& state, std::uint16_t packetId) {
  MqttInflight* m = inflight(state, packetId);
  if (m == nullptr || m->stage != MqttInflight::Stage::kAwaitPuback) return;
  journal_.settled(state, m->message);
  state.heldDelivery()->eraseInflight(packetId);
  pump(state);
}

void MqttOutbox::pubrec(MqttSessionState& state, std::uint16_t packetId) {
  MqttInflight* m = inflight(state, packetId);
  if (m == nullptr) return;
  // A PUBREC repeated after our PUBREL gets the PUBREL again.
  if (m->stage == MqttInflight::Stage::kAwaitPuback) return;
  if (m->stage == MqttInflight::Stage::kAwaitPubrec) {
    m->stage = MqttInflight::Stage::kAwaitPubcomp;
    // Delivered: only the id is left to settle (its record keeps its key).
    std::uint64_t sequence = m->message.storeSequence;
    m->message = MqttMessage{};
    m->message.storeSequence = sequence;
    journal_.inflight(state, *m);
  }
  if (online(state)) send(*state.connection(), *m, false);
}

void MqttOutbox::pubcomp(MqttSessionState& state, std::uint16_t packetId) {
  MqttInflight* m = inflight(state, packetId);
  if (m == nullptr || m->stage != MqttInflight::Stage::kAwaitPubcomp) return;
  journal_.settled(state, m->message);
  state.heldDelivery()->eraseInflight(packetId);
  pump(state);
}

void MqttOutbox::resume(MqttSessionState& state) {
  const MqttDelivery* delivery = state.heldDelivery();
  if (!online(state) || delivery == nullptr) return;
  for (const MqttInflight& m : delivery->inflight) send(*state.connection(), m, true);
  pump(state);
}

void MqttOutbox::forget(MqttSessionState& state) {
  MqttDelivery* delivery = state.heldDelivery();
  if (delivery == nullptr) return;
  metrics_.mqttQueuedMessages -= static_cast<std::int64_t>(delivery->queued.size());
  delivery->queued.clear();
  delivery->inflight.clear();
  delivery->inflightReset();
}

}  // namespace linecast
