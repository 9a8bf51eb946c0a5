#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "auth/permissions.h"
#include "protocols/mqtt/mqtt_session_state.h"

namespace linecast {

// MQTT's records in --data-dir (docs/PROTOCOL.md, "MQTT 3.1.1",
// Persistence): the spaces and the bytes of each key and value, which
// MqttJournal writes and restoreMqtt reads back. A persistent session is
// keyed by a number the server gives it (its "store id", 8 bytes big-endian)
// rather than its client id, which may be longer than a key: so each
// record of a session starts with the same 8 bytes, and a space's key
// order is the sessions' order, then each session's own.
//
//   mqtt.session  id                    -> client id length (2), client id,
//                                          then the permissions it last
//                                          connected with, if any: three
//                                          lists (publish, subscribe,
//                                          deny_subscribe), each a count (2)
//                                          and length-prefixed (2) patterns
//   mqtt.sub      id + filter           -> the granted QoS (1 byte)
//   mqtt.message  id + sequence (8)     -> stage, packet id (2), QoS, retain,
//                                          topic length (2), topic, payload
//   mqtt.pubrel   id + packet id (2)    -> nothing (an inbound QoS 2 id)
//   mqtt.retained topic                 -> QoS (1 byte) + payload
//
// A message's sequence number is given once, when it is first held or
// sent, so one message costs one put (and one more when it moves from the
// queue into the window, or past PUBREC) and one erase.
namespace mqtt_records {

inline constexpr std::string_view kSessions = "mqtt.session";
inline constexpr std::string_view kSubscriptions = "mqtt.sub";
inline constexpr std::string_view kMessages = "mqtt.message";
inline constexpr std::string_view kAwaitingPubrel = "mqtt.pubrel";
inline constexpr std::string_view kRetained = "mqtt.retained";

inline constexpr std::size_t kIdBytes = 8;

// A message's stage byte: queued, or its MqttInflight::Stage + 1.
inline constexpr std::uint8_t kQueued = 0;

// Keys, built into `out` (reused by the caller); the view is of `out`.
std::string_view sessionKey(std::string& out, std::uint64_t id);
std::string_view subscriptionKey(std::string& out, std::uint64_t id, std::string_view filter);
std::string_view messageKey(std::string& out, std::uint64_t id, std::uint64_t sequence);
std::string_view pubrelKey(std::string& out, std::uint64_t id, std::uint16_t packetId);

// A session's value, and read back (nullopt: not one of ours).
std::string_view sessionValue(std::string& out, std::string_view clientId, const Permissions* permissions);
struct StoredSession {
  std::string clientId;
  std::shared_ptr<const Permissions> permissions;  // null: none (may do everything)
};
std::optional<StoredSession> parseSession(std::string_view value);

// A message's value: queued (inflight null) or in flight.
std::string_view messageValue(std::string& out, const MqttMessage& message, const MqttInflight* inflight);

std::uint64_t readBigEndian(std::string_view bytes);

// A message record read back; nullopt when its bytes are not one of ours.
struct StoredMessage {
  std::uint64_t sequence = 0;
  std::uint8_t stage = kQueued;
  std::uint16_t packetId = 0;
  MqttMessage message;
};
std::optional<StoredMessage> parseMessage(std::string_view key, std::string_view value);

}  // namespace mqtt_records
}  // namespace linecast
