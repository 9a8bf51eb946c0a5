#include "protocols/mqtt/mqtt_session_table.h"

namespace linecast {

MqttSessionState* MqttSessionTable::find(std::string_view clientId) {
  auto it = sessions_.find(clientId);
  return it == sessions_.end() ? nullptr : it->get();
}

MqttSessionState& MqttSessionTable::create(std::string_view clientId) {
  auto state = std::make_unique<MqttSessionState>();
  state->clientId = std::string(clientId);
  return adopt(std::move(state));
}

MqttSessionState& MqttSessionTable::adopt(std::unique_ptr<MqttSessionState> state) {
  MqttSessionState& made = *state;
  sessions_.insert(std::move(state));
  ++metrics_.mqttSessions;
  return made;
}

void MqttSessionTable::erase(std::string_view clientId) {
  auto it = sessions_.find(clientId);
  if (it == sessions_.end()) return;
  sessions_.erase(it);
  --metrics_.mqttSessions;
}

std::string MqttSessionTable::assignId() {
  for (;;) {
    std::string id = "linecast-" + std::to_string(++assigned_);
    if (find(id) == nullptr) return id;
  }
}

}  // namespace linecast
