#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "util/string_hash.h"

namespace linecast {

// Which other nodes are alive, from the heartbeat set in Redis
// (docs/PROTOCOL.md, "Cluster": a ZSET, member the node id, score
// the time of its last heartbeat, in Redis's clock). Plain state, no I/O:
// the backplane reads the set every second and asks what changed.
class NodeLiveness {
 public:
  struct Changes {
    std::vector<std::string> joined;  // live now, not before: load their sets
    std::vector<std::string> left;    // live before, not now: drop their interest
    std::vector<std::string> stale;   // in the set but silent too long: remove from Redis
    void clear() {
      joined.clear();
      left.clear();
      stale.clear();
    }
  };

  NodeLiveness(std::string self, std::uint64_t ttlMs) : self_(std::move(self)), ttlMs_(ttlMs) {}

  // One reading of the set (member, score in ms) at Redis time `nowMs`.
  void update(const std::vector<std::pair<std::string, std::uint64_t>>& beats, std::uint64_t nowMs, Changes& out);
  // The link was lost: nobody is known alive until the next reading, which
  // reports every node as joined again (all are to be loaded again).
  void linkLost() { live_.clear(); }

  bool alive(std::string_view node) const { return live_.find(node) != live_.end(); }
  // The other live nodes (an advertisement waits for their acks).
  std::vector<std::string> live() const { return {live_.begin(), live_.end()}; }

 private:
  using Nodes = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  std::string self_;
  std::uint64_t ttlMs_;
  Nodes live_;
};

}  // namespace linecast
