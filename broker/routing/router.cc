#include "routing/router.h"

#include <algorithm>
#include <cassert>

namespace linecast {

Router::Router() : root_(std::make_unique<Node>()) {}
Router::~Router() = default;

bool Router::addTo(SubList& list, Subscriber* sub) {
  if (std::find(list.begin(), list.end(), sub) != list.end()) return false;
  list.push_back(sub);
  return true;
}

bool Router::removeFrom(SubList& list, Subscriber* sub) {
  auto it = std::find(list.begin(), list.end(), sub);
  if (it == list.end()) return false;
  *it = list.back();  // order within a list carries no meaning
  list.pop_back();
  return true;
}

// Walks (and builds) the tree along the pattern's tokens. A final '>' is not
// a node: it lands in the tail list of the node before it.
Router::Node* Router::findOrCreatePath(std::string_view pattern, bool& tail) {
  Node* node = root_.get();
  TokenCursor cursor(pattern);
  std::string_view token;
  tail = false;
  while (cursor.next(token)) {
    if (token == ">") {
      tail = true;
      break;
    }
    if (token == "*") {
      if (!node->star) node->star = std::make_unique<Node>();
      node = node->star.get();
      continue;
    }
    auto it = node->children.find(token);
    if (it == node->children.end()) {
      it = node->children.emplace(std::string(token), std::make_unique<Node>()).first;
    }
    node = it->second.get();
  }
  return node;
}

bool Router::subscribe(Subscriber* sub, std::string_view pattern) {
  assert(isValidPattern(pattern));
  bool added;
  bool first = false;
  if (!hasWildcardToken(pattern)) {
    auto it = exact_.find(pattern);
    if (it == exact_.end()) it = exact_.emplace(std::string(pattern), SubList{}).first;
    added = addTo(it->second, sub);
    first = added && it->second.size() == 1;
  } else {
    bool tail;
    Node* node = findOrCreatePath(pattern, tail);
    SubList& list = tail ? node->tail : node->here;
    added = addTo(list, sub);
    first = added && list.size() == 1;
    if (added) ++wildcardPatterns_;
    if (node->unused()) prune(pattern);
  }
  if (added) {
    ++subscriptions_;
    ++version_;
  }
  if (first && interest_ != nullptr) interest_->gained(InterestKind::kLinePattern, pattern);
  return added;
}

bool Router::unsubscribe(Subscriber* sub, std::string_view pattern) {
  bool removed = false;
  bool last = false;
  if (!hasWildcardToken(pattern)) {
    auto it = exact_.find(pattern);
    if (it == exact_.end()) return false;
    removed = removeFrom(it->second, sub);
    last = removed && it->second.empty();
    if (it->second.empty()) exact_.erase(it);
  } else {
    // Walk without creating: an UNSUB of an unknown pattern must not grow
    // the tree.
    Node* node = root_.get();
    TokenCursor cursor(pattern);
    std::string_view token;
    bool tail = false;
    while (node && cursor.next(token)) {
      if (token == ">") {
        tail = true;
        break;
      }
      if (token == "*") {
        node = node->star.get();
      } else {
        auto it = node->children.find(token);
        node = it == node->children.end() ? nullptr : it->second.get();
      }
    }
    if (node == nullptr) return false;
    SubList& list = tail ? node->tail : node->here;
    removed = removeFrom(list, sub);
    last = removed && list.empty();
    if (removed) {
      --wildcardPatterns_;
      prune(pattern);
    }
  }
  if (removed) {
    --subscriptions_;
    ++version_;
  }
  // `pattern` may view the caller's copy, never the erased key.
  if (last && interest_ != nullptr) interest_->lost(InterestKind::kLinePattern, pattern);
  return removed;
}

void Router::collect(const Node& node, std::string_view rest, std::vector<Subscriber*>& out) {
  if (rest.empty()) {
    out.insert(out.end(), node.here.begin(), node.here.end());
    return;
  }
  out.insert(out.end(), node.tail.begin(), node.tail.end());
  std::size_t dot = rest.find('.');
  std::string_view token = rest.substr(0, dot);
  std::string_view after = dot == std::string_view::npos ? std::string_view() : rest.substr(dot + 1);
  if (auto it = node.children.find(token); it != node.children.end()) collect(*it->second, after, out);
  if (node.star) collect(*node.star, after, out);
}

std::size_t Router::countMatches(std::string_view channel, std::vector<Subscriber*>& scratch) const {
  scratch.clear();
  if (auto it = exact_.find(channel); it != exact_.end()) {
    scratch.insert(scratch.end(), it->second.begin(), it->second.end());
  }
  if (wildcardPatterns_ > 0) collect(*root_, channel, scratch);
  std::sort(scratch.begin(), scratch.end());
  return static_cast<std::size_t>(std::unique(scratch.begin(), scratch.end()) - scratch.begin());
}

// Removes the nodes along the pattern's path that hold nothing any more,
// deepest first, so the tree's size follows the live subscriptions.
void Router::prune(std::string_view pattern) {
  std::vector<std::pair<Node*, std::string_view>> path;  // parent, token
  Node* node = root_.get();
  TokenCursor cursor(pattern);
  std::string_view token;
  while (cursor.next(token) && token != ">") {
    Node* next;
    if (token == "*") {
      next = node->star.get();
    } else {
      auto it = node->children.find(token);
      next = it == node->children.end() ? nullptr : it->second.get();
    }
    if (next == nullptr) break;
    path.emplace_back(node, token);
    node = next;
  }
  for (auto it = path.rbegin(); it != path.rend(); ++it) {
    auto [parent, tok] = *it;
    Node* child = tok == "*" ? parent->star.get() : parent->children.find(tok)->second.get();
    if (!child->unused()) break;
    if (tok == "*") {
      parent->star.reset();
    } else {
      parent->children.erase(parent->children.find(tok));
    }
  }
}

}  // namespace linecast
