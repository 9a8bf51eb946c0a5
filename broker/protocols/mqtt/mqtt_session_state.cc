#include "protocols/mqtt/mqtt_session_state.h"

#include <algorithm>
#include <utility>

#include "net/connection.h"

namespace linecast {

void MqttSessionState::attach(Connection& conn) {
  dropKept();
  link_ = reinterpret_cast<std::uintptr_t>(&conn);
}

void MqttSessionState::detach() {
  const Connection* conn = connection();
  if (conn != nullptr) detachWith(conn->sharedPermissions());  // offline already: kept as is
}

void MqttSessionState::detachWith(std::shared_ptr<const Permissions> permissions) {
  dropKept();
  if (permissions != nullptr) {
    link_ = reinterpret_cast<std::uintptr_t>(new KeptPermissions(std::move(permissions))) | kOfflineTag;
  }
}

namespace {
// How far `id` is past `from` going up the circle 1..65535.
std::uint32_t distance(std::uint16_t from, std::uint16_t id) {
  return (static_cast<std::uint32_t>(id) + 65535 - from) % 65535;
}
}  // namespace

std::uint16_t MqttDelivery::allocatePacketId() {
  for (;;) {
    std::uint16_t id = nextPacketId;
    nextPacketId = nextPacketId == 65535 ? 1 : static_cast<std::uint16_t>(nextPacketId + 1);
    if (locateInflight(id) != inflight.end()) continue;
    if (!inflight.empty() &&
        distance(inflight.front().packetId, id) <= distance(inflight.front().packetId, inflight.back().packetId)) {
      inflightInIdOrder_ = false;
    }
    return id;
  }
}

LazyRing<MqttInflight>::iterator MqttDelivery::locateInflight(std::uint16_t packetId) {
  if (inflight.empty()) return inflight.end();
  // Acknowledgements mostly come in order: the oldest first.
  if (inflight.front().packetId == packetId) return inflight.begin();
  if (!inflightInIdOrder_) {
    return std::find_if(inflight.begin(), inflight.end(),
                        [&](const MqttInflight& m) { return m.packetId == packetId; });
  }
  std::uint16_t oldest = inflight.front().packetId;
  auto it = std::lower_bound(inflight.begin(), inflight.end(), distance(oldest, packetId),
                             [&](const MqttInflight& m, std::uint32_t d) { return distance(oldest, m.packetId) < d; });
  return it != inflight.end() && it->packetId == packetId ? it : inflight.end();
}

MqttInflight* MqttDelivery::findInflight(std::uint16_t packetId) {
  auto it = locateInflight(packetId);
  return it == inflight.end() ? nullptr : &*it;
}

bool MqttDelivery::eraseInflight(std::uint16_t packetId) {
  auto it = locateInflight(packetId);
  if (it == inflight.end()) return false;
  inflight.erase(it);
  if (inflight.empty()) inflightInIdOrder_ = true;
  return true;
}

void MqttDelivery::inflightRestored() {
  inflightInIdOrder_ = true;
  if (inflight.empty()) return;
  std::uint16_t oldest = inflight.front().packetId;
  for (std::size_t i = 1; i < inflight.size(); ++i) {
    if (distance(oldest, inflight[i].packetId) <= distance(oldest, inflight[i - 1].packetId)) {
      inflightInIdOrder_ = false;
    }
  }
  std::uint16_t newest = inflight.back().packetId;
  nextPacketId = newest == 65535 ? 1 : static_cast<std::uint16_t>(newest + 1);
}

}  // namespace linecast
