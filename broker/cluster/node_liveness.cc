#include "cluster/node_liveness.h"

namespace linecast {

void NodeLiveness::update(const std::vector<std::pair<std::string, std::uint64_t>>& beats, std::uint64_t nowMs,
                          Changes& out) {
  out.clear();
  Nodes now;
  for (const auto& [node, beat] : beats) {
    if (node == self_) continue;
    // A beat from the future (clock read before the write) counts as now.
    if (beat < nowMs && nowMs - beat > ttlMs_) {
      out.stale.push_back(node);
      continue;
    }
    now.insert(node);
    if (live_.find(node) == live_.end()) out.joined.push_back(node);
  }
  for (const std::string& node : live_) {
    if (now.find(node) == now.end()) out.left.push_back(node);
  }
  live_.swap(now);
}

}  // namespace linecast
