#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_set>

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
  ~MqttSessionTable() { metrics_.mqttSessions -= static_cast<std::int64_t>(sessions_.size()); }
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
  std::size_t size() const { return sessions_.size(); }

 private:
  // A held state is hashed and compared by its own clientId, and a lookup
  // by the id it is given, so the table keeps no second copy of each id
  // (a map keyed by std::string did: 32 B more per session, and a heap
  // string for ids of 16+ characters; docs/notes-mqtt-compact.md). A
  // state's clientId never changes while it is held.
  static std::string_view idOf(std::string_view id) { return id; }
  static std::string_view idOf(const std::unique_ptr<MqttSessionState>& state) { return state->clientId; }
  struct IdHash {
    using is_transparent = void;
    template <class T>
    std::size_t operator()(const T& held) const noexcept {
      return StringHash{}(idOf(held));
    }
  };
  struct IdEqual {
    using is_transparent = void;
    template <class A, class B>
    bool operator()(const A& a, const B& b) const noexcept {
      return idOf(a) == idOf(b);
    }
  };

  std::unordered_set<std::unique_ptr<MqttSessionState>, IdHash, IdEqual> sessions_;
  std::uint64_t assigned_ = 0;
  Metrics& metrics_;
};

}  // namespace linecast
