#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "metrics.h"
#include "protocols/mqtt/mqtt_session_state.h"
#include "util/string_hash.h"

namespace linecast {

// Every MQTT session the server holds, by client id: the online ones and
// the persistent ones whose client is away. One table on thread 0, which
// owns every MQTT connection, so take-over needs no lock. Its size is the
// linecast_mqtt_sessions gauge.
class MqttSessionTable {
 public:
  explicit MqttSessionTable(Metrics& metrics) : metrics_(metrics) {}
  ~MqttSessionTable();
  MqttSessionTable(const MqttSessionTable&) = delete;
  MqttSessionTable& operator=(const MqttSessionTable&) = delete;

  MqttSessionState* find(std::string_view clientId);
  // A new, empty state for the id (which must not be held).
  MqttSessionState& create(std::string_view clientId);
  // A state read back from --data-dir (its id must not be held).
  MqttSessionState& adopt(std::unique_ptr<MqttSessionState> state);
  void erase(std::string_view clientId);
  // A client id for a client that sent none (clean session 1, 3.1.3-6):
  // "linecast-<n>", unique in the table.
  std::string assignId();
  std::size_t size() const { return size_; }

 private:
  // An intrusive hash chain: each held state links to the next one of its
  // bucket (MqttSessionState::tableNext_), so the table has no node per
  // session and no copy of its id (a node of an unordered_set cost 32 B a
  // session, of the unordered_map before it 64 B and a second heap string
  // for ids of 16+ characters; docs/notes-mqtt-compact.md). A state is
  // hashed by its own clientId, which never changes while it is held;
  // lookups take a string_view and build no string.
  static std::size_t hashOf(std::string_view id) { return StringHash{}(id); }
  MqttSessionState*& bucketOf(std::string_view id) { return buckets_[hashOf(id) & (bucketCount_ - 1)]; }
  // Doubles the buckets (a power of two) once there are twice as many
  // states: chains of 1 to 2 states on average, and each state rehashed
  // O(1) times amortized.
  void grow();

  std::unique_ptr<MqttSessionState*[]> buckets_;  // owning chains of states
  std::size_t bucketCount_ = 0;
  std::size_t size_ = 0;
  std::uint64_t assigned_ = 0;
  Metrics& metrics_;
};

}  // namespace linecast
