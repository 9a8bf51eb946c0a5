#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "util/string_hash.h"

namespace linecast {

// Which of this node's interest advertisements the other nodes have
// acknowledged (docs/PROTOCOL.md, "Cluster", interest propagation): a SUB's
// PONG waits, besides Redis's SUBSCRIBE answer, until the advertisement of
// the name it added is acknowledged, so that no publisher on another node
// skips the channel after the PONG. Plain state, no I/O, on thread 0.
//
// An advertisement is published in Redis by a script that returns how many
// clients received it: every interest-propagating node's subscribe link,
// this node's own included. So `needed` is an exact count of the nodes that
// will answer, without a list of who is alive. So an acknowledgment counts
// for its own seq only, not for earlier ones: a node that joined after
// advertisement 1 was counted may acknowledge 2, and that says nothing of
// whether a node counted for 1 has applied it. An acknowledgment may come
// before Redis's answer to the advertisement (they travel on different
// links): it is kept until then.
class InterestAcks {
 public:
  // Advertisement `seq` (increasing) reached `needed` receivers, of which
  // `excused` are not to be waited for (dropped nodes whose link is still
  // subscribed): they neither count in `needed` nor by acknowledging.
  void advertised(std::uint64_t seq, std::size_t needed, const std::vector<std::string>& excused = {});
  void acknowledged(std::string_view node, std::uint64_t seq);
  // A node went (its heartbeat expired, or it said goodbye): it no longer
  // answers; each advertisement it had not acknowledged needs one less.
  void gone(std::string_view node);
  // Stop waiting for every advertisement up to `seq` (its deadline passed).
  void giveUp(std::uint64_t seq);
  // The link is lost: nothing sent will be acknowledged, and Redis may
  // number the next advertisements from 1 again (it restarted empty).
  void linkLost();

  // Every advertisement up to this seq is acknowledged by every node that
  // had to (0: none yet since the link came up).
  std::uint64_t confirmed() const { return confirmed_; }
  // Advertisements still waited for.
  std::size_t pending() const { return waiting_.size(); }

 private:
  struct Waiting {
    std::size_t needed = 0;
    std::unordered_set<std::string, StringHash, std::equal_to<>> acked;
    std::vector<std::string> excused;
  };
  void advance();

  using Nodes = std::unordered_set<std::string, StringHash, std::equal_to<>>;
  std::map<std::uint64_t, Waiting> waiting_;  // by seq
  std::map<std::uint64_t, Nodes> early_;      // acks of seqs not advertised yet
  std::uint64_t confirmed_ = 0;
};

}  // namespace linecast
