#include "routing/retained_store.h"

#include <map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "routing/channel.h"
#include "routing/route_cache.h"

namespace linecast {

// One token of a channel: the tokens below it, and the message retained on
// the channel that ends here.
struct RetainedStore::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  // While a message is held: the whole channel (held_'s key views it, and a
  // walk reports it without spelling it out token by token) and the payload.
  std::string channel;
  std::string payload;  // empty: none retained here (an empty payload clears)
  std::uint8_t qos = RetainedStore::kOtherProtocolsQos;
  // On the journal's list since a retain (a clear always adds the name).
  bool changed = false;
};

// One forEachMatch.
struct RetainedStore::Walk {
  const Visit& visit;
  std::unordered_set<const Node*>* seen;  // null: one pattern, nothing to skip
  std::size_t visits = 0;

  bool emit(const Node& node) {
    if (node.payload.empty()) return true;
    if (seen != nullptr && !seen->insert(&node).second) return true;
    ++visits;
    return visit(node.channel, node.payload, node.qos);
  }

  // Every message one or more tokens below `node` (a trailing `>`).
  bool below(const Node& node) {
    for (const auto& entry : node.children) {
      const Node& child = *entry.second;
      if (!emit(child) || !below(child)) return false;
    }
    return true;
  }

  // The messages below `node` that the rest of the pattern matches.
  bool match(const Node& node, TokenCursor rest) {
    std::string_view token;
    if (!rest.next(token)) return emit(node);
    if (token == ">") return below(node);
    if (token == "*") {
      for (const auto& entry : node.children) {
        if (!match(*entry.second, rest)) return false;
      }
      return true;
    }
    auto it = node.children.find(token);
    return it == node.children.end() || match(*it->second, rest);
  }
};

RetainedStore::RetainedStore(RetainedLimits limits) : limits_(limits), root_(std::make_unique<Node>()) {}

RetainedStore::~RetainedStore() = default;

RetainedStore::Node* RetainedStore::heldNode(std::string_view channel) const {
  auto it = held_.find(channel);
  return it == held_.end() ? nullptr : it->second;
}

RetainedStore::Node& RetainedStore::makeNode(std::string_view channel) {
  Node* node = root_.get();
  TokenCursor tokens(channel);
  std::string_view token;
  while (tokens.next(token)) {
    auto it = node->children.find(token);
    if (it == node->children.end()) it = node->children.emplace(std::string(token), std::make_unique<Node>()).first;
    node = it->second.get();
  }
  return *node;
}

std::size_t RetainedStore::ChannelHash::operator()(std::string_view channel) const {
  return static_cast<std::size_t>(RouteCache::hashChannel(channel));
}

RetainedStore::Outcome RetainedStore::retain(std::string_view channel, std::string_view payload,
                                             std::uint8_t qos) {
  std::lock_guard<std::mutex> lock(mutex_);
  return retainLocked(channel, payload, qos, payload.empty() ? nullptr : heldNode(channel), nullptr);
}

RetainedStore::Outcome RetainedStore::retain(std::string_view channel, std::string_view payload,
                                             std::uint8_t qos, RetainedHint& hint) {
  std::lock_guard<std::mutex> lock(mutex_);
  Node* node = nullptr;
  if (!payload.empty()) {
    // A hinted node is this channel's (the caller keeps the hint for one
    // channel) and alive (no node was freed since); it may hold nothing
    // now, then it is looked up like any other.
    auto* hinted = static_cast<Node*>(hint.node);
    node = hinted != nullptr && hint.generation == generation_ && !hinted->payload.empty() ? hinted
                                                                                           : heldNode(channel);
  }
  return retainLocked(channel, payload, qos, node, &hint);
}

// `node`: the channel's node if it holds a message, else null.
RetainedStore::Outcome RetainedStore::retainLocked(std::string_view channel, std::string_view payload,
                                                   std::uint8_t qos, Node* node, RetainedHint* hint) {
  if (payload.empty()) {
    clearLocked(channel);
    return Outcome::kCleared;
  }
  std::size_t oldCost = node != nullptr ? costOf(channel, node->payload) : 0;
  std::size_t bytes = bytes_.load(std::memory_order_relaxed) - oldCost + costOf(channel, payload);
  if ((node == nullptr && messages_.load(std::memory_order_relaxed) >= limits_.messages) || bytes > limits_.bytes) {
    return Outcome::kOverLimit;
  }
  if (node == nullptr) {
    node = &makeNode(channel);
    node->channel.assign(channel);
    held_.emplace(node->channel, node);
    messages_.store(messages_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  // A much smaller value does not keep the larger one's block.
  if (node->payload.capacity() > 2 * payload.size() + 64) {
    std::string(payload).swap(node->payload);
  } else {
    node->payload.assign(payload);
  }
  node->qos = qos;
  bytes_.store(bytes, std::memory_order_relaxed);
  if (journal_ != nullptr && !node->changed) {
    node->changed = true;
    noteChange(channel);
  }
  if (hint != nullptr) *hint = {node, generation_};
  return Outcome::kStored;
}

bool RetainedStore::clear(std::string_view channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  return clearLocked(channel);
}

bool RetainedStore::clearLocked(std::string_view channel) {
  auto held = held_.find(channel);
  if (held == held_.end()) return false;
  Node* cleared = held->second;
  held_.erase(held);  // before its key, the node's channel, goes
  ++generation_;      // nodes may be freed below: every hint is stale
  messages_.store(messages_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  bytes_.store(bytes_.load(std::memory_order_relaxed) - costOf(channel, cleared->payload), std::memory_order_relaxed);
  std::string().swap(cleared->payload);
  std::string().swap(cleared->channel);
  // The name goes on the list again even if it is there: the node may stay
  // (it has children) and be retained again before the take, which must
  // then find it off the list to add it back.
  if (journal_ != nullptr) {
    cleared->changed = false;
    noteChange(channel);
  }
  // Nodes that hold nothing any more go, from the leaf up: walk down to it,
  // remembering each step (the parent, the child's entry).
  using Children = decltype(Node::children);
  std::vector<std::pair<Node*, Children::iterator>> path;
  Node* node = root_.get();
  TokenCursor tokens(channel);
  std::string_view token;
  while (tokens.next(token)) {
    auto it = node->children.find(token);
    path.emplace_back(node, it);
    node = it->second.get();
  }
  for (auto step = path.rbegin(); step != path.rend(); ++step) {
    const Node& child = *step->second->second;
    if (!child.payload.empty() || !child.children.empty()) break;
    step->first->children.erase(step->second);
  }
  return true;
}

void RetainedStore::noteChange(std::string_view channel) {
  changedNames_.append(channel);
  changedEnds_.push_back(changedNames_.size());
  journal_->changed();
}

std::size_t RetainedStore::takeChanges(const ChangeVisit& visit) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t begin = 0;
  for (std::size_t end : changedEnds_) {
    std::string_view channel = std::string_view(changedNames_).substr(begin, end - begin);
    begin = end;
    if (Node* node = heldNode(channel)) {
      node->changed = false;
      visit(channel, node->payload, node->qos);
    } else {
      visit(channel, {}, 0);
    }
  }
  std::size_t visits = changedEnds_.size();
  changedNames_.clear();
  changedEnds_.clear();
  return visits;
}

std::optional<std::string> RetainedStore::find(std::string_view channel) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Node* node = heldNode(channel);
  if (node == nullptr) return std::nullopt;
  return node->payload;
}

std::size_t RetainedStore::forEachMatch(std::span<const std::string_view> patterns, const Visit& visit) const {
  std::unordered_set<const Node*> seen;
  std::lock_guard<std::mutex> lock(mutex_);
  Walk walk{visit, patterns.size() > 1 ? &seen : nullptr};
  for (std::string_view pattern : patterns) {
    if (!walk.match(*root_, TokenCursor(pattern))) break;
  }
  return walk.visits;
}

}  // namespace linecast
