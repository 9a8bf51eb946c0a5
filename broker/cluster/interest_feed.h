#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cluster/redis_glob.h"
#include "cluster/remote_interest.h"
#include "util/string_hash.h"

namespace linecast {

// One node's advertisement of a change to its Redis names, numbered by
// that node (docs/PROTOCOL.md, "Cluster", interest propagation): either its whole set
// (`reset`, after it (re)connected) or names gained and lost.
struct InterestNotice {
  std::uint64_t seq = 0;
  bool reset = false;
  std::vector<RedisInterest> gained;  // with reset: the whole set
  std::vector<RedisInterest> lost;
};

// Puts the other nodes' notices and the loads of their sets into one
// order, per node, by the node's sequence numbers, and applies them to a
// RemoteInterest. Needed because a load's answer (the set and its seq, read
// on the publish link) and the notices (pushed on the subscribe link) reach
// this node in no known order. Plain state, no I/O.
//
// - While a node's load is pending (loading), its notices are kept; the
//   load applies those newer than the seq it read, in order.
// - A notice newer than the next expected (a gap), or a change notice from
//   a node never loaded, means something was missed: the node is to be
//   loaded again (reloads()), and counts as wanting everything meanwhile.
// - A notice not newer than what was applied is a duplicate: ignored.
class InterestFeed {
 public:
  explicit InterestFeed(RemoteInterest& view) : view_(view) {}

  // A load of the node's set was sent; its notices wait for it.
  void loading(std::string_view node);
  // The load's answer: the node's set and the seq it was read at.
  void loaded(std::string_view node, std::uint64_t seq, const std::vector<RedisInterest>& names);
  void notice(std::string_view node, const InterestNotice& notice);
  // The node is gone: whatever was kept of it is forgotten.
  void gone(std::string_view node);
  // The link was lost: every node is to be loaded again.
  void linkLost();

  // Nodes to load again (each once, until loading() is called for it).
  std::vector<std::string> takeReloads();

 private:
  struct Peer {
    bool loading = false;
    bool known = false;  // loaded, or reset, at least once
    std::uint64_t applied = 0;
    std::map<std::uint64_t, InterestNotice> kept;  // while loading, by seq
  };
  void apply(std::string_view node, Peer& peer, const InterestNotice& notice);
  void missed(std::string_view node, Peer& peer);

  RemoteInterest& view_;
  std::unordered_map<std::string, Peer, StringHash, std::equal_to<>> peers_;
  std::vector<std::string> reloads_;
};

}  // namespace linecast
