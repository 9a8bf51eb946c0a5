#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "routing/channel.h"
#include "routing/interest_sink.h"
#include "util/string_hash.h"

namespace linecast {

// What the Router stores for a subscription. The owner (a connection)
// derives from it; the Router only stamps it to deliver once per match.
struct Subscriber {
  std::uint64_t matchStamp = 0;
};

// Maps channels to subscribers. Exact patterns live in a hash map; patterns
// with wildcards live in a token tree (as in NATS's sublist), so a publish
// walks only the branches its own tokens select and never scans unrelated
// wildcard subscriptions. The Router owns no subscriber: the owner must
// unsubscribe before it goes away, and must not change subscriptions from
// inside match().
class Router {
 public:
  Router();
  ~Router();
  Router(const Router&) = delete;
  Router& operator=(const Router&) = delete;

  // The pattern must be valid (isValidPattern). Returns false when the
  // subscriber already held it (subscribing is idempotent).
  bool subscribe(Subscriber* sub, std::string_view pattern);
  // Returns false when the subscriber did not hold the pattern.
  bool unsubscribe(Subscriber* sub, std::string_view pattern);

  // Calls visit(Subscriber*) once for every subscriber with at least one
  // pattern matching the channel (a valid publish channel). Returns the
  // number of subscribers visited.
  template <class Visit>
  std::size_t match(std::string_view channel, Visit&& visit);

  // The subscribers match() would visit, counted without touching their
  // stamps: another reactor thread counts this one's subscribers with it
  // (under the owner's lock) while the owner may be matching. `scratch` is
  // the caller's, so nothing here allocates once it has grown.
  std::size_t countMatches(std::string_view channel, std::vector<Subscriber*>& scratch) const;

  std::size_t subscriptionCount() const { return subscriptions_; }
  // Calls visit(pattern, subscribers, wildcard) once per distinct pattern
  // held (for PUBSUB's counts). Reads only; the owner's lock makes it safe
  // from another thread.
  template <class Visit>
  void forEachPattern(Visit&& visit) const;
  // --cluster: told when a pattern gets its first subscriber and loses
  // its last (null: nobody is).
  void setInterestSink(InterestSink* sink) { interest_ = sink; }

  // Changes with every subscription added or removed, so a cached match
  // result can tell it is stale.
  std::uint64_t version() const { return version_; }
  // Something a route's subscriber list depends on besides the
  // subscriptions changed (a user's deny_subscribe): routes refill.
  void invalidateRoutes() { ++version_; }
  // Tree nodes examined by the last match(): shows that unrelated wildcard
  // subscriptions cost nothing.
  std::size_t lastMatchNodeVisits() const { return lastNodeVisits_; }

 private:
  struct Node;
  using SubList = std::vector<Subscriber*>;

  template <class Visit>
  void walk(const Node& node, std::string_view rest, Visit& visit, std::size_t& hits);
  template <class Visit>
  void visitList(const SubList& list, Visit& visit, std::size_t& hits);
  Node* findOrCreatePath(std::string_view pattern, bool& tail);
  static void collect(const Node& node, std::string_view rest, std::vector<Subscriber*>& out);
  template <class Visit>
  static void visitPatterns(const Node& node, std::string& path, Visit& visit);
  static bool addTo(SubList& list, Subscriber* sub);
  static bool removeFrom(SubList& list, Subscriber* sub);
  void prune(std::string_view pattern);

  std::unordered_map<std::string, SubList, StringHash, std::equal_to<>> exact_;
  std::unique_ptr<Node> root_;
  std::size_t wildcardPatterns_ = 0;
  std::size_t subscriptions_ = 0;
  std::uint64_t version_ = 0;
  std::uint64_t stamp_ = 0;
  std::size_t lastNodeVisits_ = 0;
  InterestSink* interest_ = nullptr;
};

struct Router::Node {
  std::unordered_map<std::string, std::unique_ptr<Node>, StringHash, std::equal_to<>> children;
  std::unique_ptr<Node> star;  // the '*' token
  SubList here;                // patterns that end at this node
  SubList tail;                // patterns that end with '>' below this node

  bool unused() const { return children.empty() && !star && here.empty() && tail.empty(); }
};

template <class Visit>
void Router::visitList(const SubList& list, Visit& visit, std::size_t& hits) {
  for (Subscriber* sub : list) {
    if (sub->matchStamp == stamp_) continue;
    sub->matchStamp = stamp_;
    ++hits;
    visit(sub);
  }
}

template <class Visit>
void Router::walk(const Node& node, std::string_view rest, Visit& visit, std::size_t& hits) {
  ++lastNodeVisits_;
  if (rest.empty()) {
    visitList(node.here, visit, hits);
    return;
  }
  visitList(node.tail, visit, hits);  // '>' needs one or more tokens: we have some
  std::size_t dot = rest.find('.');
  std::string_view token = rest.substr(0, dot);
  std::string_view after = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  if (!node.children.empty()) {
    auto it = node.children.find(token);
    if (it != node.children.end()) walk(*it->second, after, visit, hits);
  }
  if (node.star) walk(*node.star, after, visit, hits);
}

template <class Visit>
std::size_t Router::match(std::string_view channel, Visit&& visit) {
  ++stamp_;
  lastNodeVisits_ = 0;
  std::size_t hits = 0;
  if (!exact_.empty()) {
    auto it = exact_.find(channel);
    if (it != exact_.end()) visitList(it->second, visit, hits);
  }
  if (wildcardPatterns_ > 0) walk(*root_, channel, visit, hits);
  return hits;
}

template <class Visit>
void Router::forEachPattern(Visit&& visit) const {
  for (const auto& [pattern, list] : exact_) visit(std::string_view(pattern), list.size(), false);
  if (wildcardPatterns_ == 0) return;
  std::string path;
  visitPatterns(*root_, path, visit);
}

// `path` is the node's pattern so far ("" at the root, else "a.*.b").
template <class Visit>
void Router::visitPatterns(const Node& node, std::string& path, Visit& visit) {
  // Exact patterns are in exact_, so a node's own list holds wildcard ones.
  if (!node.here.empty()) visit(std::string_view(path), node.here.size(), true);
  if (!node.tail.empty()) {
    std::size_t size = path.size();
    path += path.empty() ? ">" : ".>";
    visit(std::string_view(path), node.tail.size(), true);
    path.resize(size);
  }
  auto descend = [&](std::string_view token, const Node& child) {
    std::size_t size = path.size();
    if (!path.empty()) path += '.';
    path += token;
    visitPatterns(child, path, visit);
    path.resize(size);
  };
  for (const auto& [token, child] : node.children) descend(token, *child);
  if (node.star) descend("*", *node.star);
}

}  // namespace linecast
