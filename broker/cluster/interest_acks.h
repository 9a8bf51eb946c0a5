#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "util/string_hash.h"

namespace linecast {

// Which of this node's interest advertisements every other live node has
// acknowledged (docs/notes-cluster-interest.md, 3.3): a SUB's PONG waits,
// besides Redis's SUBSCRIBE answer, until the advertisement of the name it
// added is acknowledged, so that no publisher skips the channel after the
// PONG. Plain state, no I/O, on thread 0.
//
// Acknowledgments are cumulative: a node applies each node's notices in
// sequence order (InterestFeed), so its ack of seq s covers every seq up to
// s. A node that goes (heartbeat expired, or gone notice) is no longer
// waited for. While the link is down nothing is waited for (as a PONG
// does not wait for Redis then).
class InterestAcks {
 public:
  // Advertisement `seq` (increasing) was stored in Redis; `nodes` are the
  // other live nodes at that moment, each of which must acknowledge it.
  void advertised(std::uint64_t seq, const std::vector<std::string>& nodes);
  void acknowledged(std::string_view node, std::uint64_t seq);
  void gone(std::string_view node);
  void linkLost();

  // Every advertisement up to this seq is acknowledged by every node that
  // had to (0: none advertised yet).
  std::uint64_t confirmed() const { return confirmed_; }
  // Advertisements still waited for.
  std::size_t pending() const { return waiting_.size(); }

 private:
  using Nodes = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  void advance();

  std::map<std::uint64_t, Nodes> waiting_;  // by seq: the nodes yet to ack it
  std::uint64_t confirmed_ = 0;
};

}  // namespace linecast
