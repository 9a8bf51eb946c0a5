#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "cluster/redis_glob.h"
#include "util/string_hash.h"

namespace linecast {

// What the other nodes hold in Redis (their SUBSCRIBE channels and
// PSUBSCRIBE globs), as this node has learned it: the view that lets a node
// skip the PUBLISH of a channel no other node wants (interest propagation,
// docs/PROTOCOL.md, "Cluster"). Plain state, no I/O, on thread 0: the
// backplane feeds it each node's advertised set and its changes.
//
// wanted() answers exactly what Redis would do with a PUBLISH on the
// channel: deliver it to some other node when one of that node's channels
// equals it or one of its globs matches it (Redis's glob rules, globMatch).
// Where the view may be incomplete it answers true (publish): before the
// first complete load (setComplete), and while any node's set is known to
// be on its way (expect .. replaceNode). Skipping is only ever decided on
// knowledge; ignorance costs a PUBLISH, never a message.
//
// version() changes whenever an answer of wanted() may have changed, so a
// caller may cache an answer per channel with the version it was given at.
class RemoteInterest {
 public:
  // `self`: this node's id; what is said of it is ignored (its own
  // subscribers get its messages locally).
  explicit RemoteInterest(std::string self) : self_(std::move(self)) {}

  // The node's whole set, replacing what was known of it (a (re)load from
  // Redis, or the node's own announcement after it reconnected).
  void replaceNode(std::string_view node, const std::vector<RedisInterest>& names);
  // One name the node gained or lost. A node's set is a set: adding what it
  // holds, or removing what it does not, changes nothing.
  void add(std::string_view node, bool pattern, std::string_view name);
  void remove(std::string_view node, bool pattern, std::string_view name);
  // The node is gone (its heartbeat expired, or it said goodbye).
  void dropNode(std::string_view node);
  // The node's set is being loaded: until its replaceNode (or dropNode),
  // every channel counts as wanted.
  void expect(std::string_view node);
  // Whether every live node's set has been loaded once since this node's
  // link came up; false again when the link is lost (linkLost).
  void setComplete(bool complete);
  // The link to Redis was lost: what was known may be stale from now on.
  void linkLost();

  bool wanted(std::string_view channel) const;
  std::uint64_t version() const { return version_; }

  std::size_t nodes() const { return nodes_.size(); }
  std::size_t channels() const { return channels_.size(); }
  std::size_t globs() const { return globs_.size(); }

 private:
  struct Node {
    std::unordered_set<std::string, StringHash, std::equal_to<>> channels;
    std::unordered_set<std::string, StringHash, std::equal_to<>> globs;
    bool loading = false;
  };
  using Counts = std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>>;
  Node& nodeNamed(std::string_view node);
  static void count(Counts& counts, std::string_view name);
  static void uncount(Counts& counts, std::string_view name);
  void forget(Node& node);

  std::string self_;
  std::unordered_map<std::string, Node, StringHash, std::equal_to<>> nodes_;
  // Over every node: how many hold each channel, each glob.
  Counts channels_;
  Counts globs_;
  std::size_t loading_ = 0;  // nodes expected, not loaded yet
  bool complete_ = false;
  std::uint64_t version_ = 1;
};

}  // namespace linecast
