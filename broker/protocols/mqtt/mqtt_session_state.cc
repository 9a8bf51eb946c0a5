#include "protocols/mqtt/mqtt_session_state.h"

#include <algorithm>

namespace linecast {

std::uint16_t MqttSessionState::allocatePacketId() {
  // The window is far smaller than 65535, so a free id is always near.
  for (;;) {
    std::uint16_t id = nextPacketId;
    nextPacketId = nextPacketId == 65535 ? 1 : static_cast<std::uint16_t>(nextPacketId + 1);
    if (findInflight(id) == nullptr) return id;
  }
}

MqttInflight* MqttSessionState::findInflight(std::uint16_t packetId) {
  auto it = std::find_if(inflight.begin(), inflight.end(),
                         [&](const MqttInflight& m) { return m.packetId == packetId; });
  return it == inflight.end() ? nullptr : &*it;
}

bool MqttSessionState::eraseInflight(std::uint16_t packetId) {
  auto it = std::find_if(inflight.begin(), inflight.end(),
                         [&](const MqttInflight& m) { return m.packetId == packetId; });
  if (it == inflight.end()) return false;
  inflight.erase(it);
  return true;
}

}  // namespace linecast
