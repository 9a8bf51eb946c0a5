#include "routing/retained_store.h"

#include <map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "routing/channel.h"

namespace linecast {

// One token of a channel: the tokens below it, and the message retained on
// the channel that ends here.
struct RetainedStore::Node {
  std::map<std::string, std::unique_ptr<Node>, std::less<>> children;
  std::string payload;  // empty: none retained here (an empty payload clears)
  std::uint8_t qos = RetainedStore::kOtherProtocolsQos;
};

// One forEachMatch: the channel of the node it stands on is `path`, built
// and cut back token by token as it goes down and up.
struct RetainedStore::Walk {
  const Visit& visit;
  std::unordered_set<const Node*>* seen;  // null: one pattern, nothing to skip
  std::string path;
  std::size_t visits = 0;

  // The path's length before the token, to cut back to.
  std::size_t push(std::string_view token) {
    std::size_t mark = path.size();
    if (mark != 0) path += '.';
    path += token;
    return mark;
  }

  bool emit(const Node& node) {
    if (node.payload.empty()) return true;
    if (seen != nullptr && !seen->insert(&node).second) return true;
    ++visits;
    return visit(path, node.payload, node.qos);
  }

  // Every message one or more tokens below `node` (a trailing `>`).
  bool below(const Node& node) {
    for (const auto& [token, child] : node.children) {
      std::size_t mark = push(token);
      bool more = emit(*child) && below(*child);
      path.resize(mark);
      if (!more) return false;
    }
    return true;
  }

  // The messages below `node` that the rest of the pattern matches.
  bool match(const Node& node, TokenCursor rest) {
    std::string_view token;
    if (!rest.next(token)) return emit(node);
    if (token == ">") return below(node);
    if (token == "*") {
      for (const auto& [name, child] : node.children) {
        std::size_t mark = push(name);
        bool more = match(*child, rest);
        path.resize(mark);
        if (!more) return false;
      }
      return true;
    }
    auto it = node.children.find(token);
    if (it == node.children.end()) return true;
    std::size_t mark = push(token);
    bool more = match(*it->second, rest);
    path.resize(mark);
    return more;
  }
};

RetainedStore::RetainedStore(RetainedLimits limits) : limits_(limits), root_(std::make_unique<Node>()) {}

RetainedStore::~RetainedStore() = default;

const RetainedStore::Node* RetainedStore::findNode(std::string_view channel) const {
  const Node* node = root_.get();
  TokenCursor tokens(channel);
  std::string_view token;
  while (tokens.next(token)) {
    auto it = node->children.find(token);
    if (it == node->children.end()) return nullptr;
    node = it->second.get();
  }
  return node;
}

RetainedStore::Outcome RetainedStore::retain(std::string_view channel, std::string_view payload,
                                             std::uint8_t qos) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (payload.empty()) {
    if (clearLocked(channel) && journal_ != nullptr) journal_->cleared(channel);
    return Outcome::kCleared;
  }
  // A channel retained before is walked once: its node is reused below.
  Node* existing = const_cast<Node*>(findNode(channel));
  bool held = existing != nullptr && !existing->payload.empty();
  std::size_t oldCost = held ? costOf(channel, existing->payload) : 0;
  std::size_t bytes = bytes_.load(std::memory_order_relaxed) - oldCost + costOf(channel, payload);
  if ((!held && messages_.load(std::memory_order_relaxed) >= limits_.messages) || bytes > limits_.bytes) {
    return Outcome::kOverLimit;
  }
  Node* node = existing;
  if (node == nullptr) {
    node = root_.get();
    TokenCursor tokens(channel);
    std::string_view token;
    while (tokens.next(token)) {
      auto it = node->children.find(token);
      if (it == node->children.end()) it = node->children.emplace(std::string(token), std::make_unique<Node>()).first;
      node = it->second.get();
    }
  }
  // A much smaller value does not keep the larger one's block.
  if (node->payload.capacity() > 2 * payload.size() + 64) {
    std::string(payload).swap(node->payload);
  } else {
    node->payload.assign(payload);
  }
  node->qos = qos;
  if (!held) messages_.store(messages_.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  bytes_.store(bytes, std::memory_order_relaxed);
  if (journal_ != nullptr) journal_->retained(channel, payload, qos);
  return Outcome::kStored;
}

bool RetainedStore::clear(std::string_view channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  bool held = clearLocked(channel);
  if (held && journal_ != nullptr) journal_->cleared(channel);
  return held;
}

bool RetainedStore::clearLocked(std::string_view channel) {
  using Children = decltype(Node::children);
  std::vector<std::pair<Node*, Children::iterator>> path;  // each step: the parent, the child's entry
  Node* node = root_.get();
  TokenCursor tokens(channel);
  std::string_view token;
  while (tokens.next(token)) {
    auto it = node->children.find(token);
    if (it == node->children.end()) return false;
    path.emplace_back(node, it);
    node = it->second.get();
  }
  if (node->payload.empty()) return false;
  messages_.store(messages_.load(std::memory_order_relaxed) - 1, std::memory_order_relaxed);
  bytes_.store(bytes_.load(std::memory_order_relaxed) - costOf(channel, node->payload), std::memory_order_relaxed);
  std::string().swap(node->payload);
  // Nodes that hold nothing any more go, from the leaf up.
  for (auto step = path.rbegin(); step != path.rend(); ++step) {
    const Node& child = *step->second->second;
    if (!child.payload.empty() || !child.children.empty()) break;
    step->first->children.erase(step->second);
  }
  return true;
}

std::optional<std::string> RetainedStore::find(std::string_view channel) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const Node* node = findNode(channel);
  if (node == nullptr || node->payload.empty()) return std::nullopt;
  return node->payload;
}

std::size_t RetainedStore::forEachMatch(std::span<const std::string_view> patterns, const Visit& visit) const {
  std::unordered_set<const Node*> seen;
  std::lock_guard<std::mutex> lock(mutex_);
  Walk walk{visit, patterns.size() > 1 ? &seen : nullptr, {}};
  for (std::string_view pattern : patterns) {
    if (!walk.match(*root_, TokenCursor(pattern))) break;
  }
  return walk.visits;
}

}  // namespace linecast
