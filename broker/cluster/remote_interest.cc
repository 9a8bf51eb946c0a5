#include "cluster/remote_interest.h"

#include "routing/glob_match.h"

namespace linecast {

RemoteInterest::Node& RemoteInterest::nodeNamed(std::string_view node) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) it = nodes_.emplace(std::string(node), Node{}).first;
  return it->second;
}

void RemoteInterest::count(Counts& counts, std::string_view name) {
  auto it = counts.find(name);
  if (it == counts.end()) {
    counts.emplace(std::string(name), 1);
  } else {
    ++it->second;
  }
}

void RemoteInterest::uncount(Counts& counts, std::string_view name) {
  auto it = counts.find(name);
  if (it != counts.end() && --it->second == 0) counts.erase(it);
}

// Takes the node's names out of the totals and empties its set.
void RemoteInterest::forget(Node& node) {
  for (const std::string& name : node.channels) uncount(channels_, name);
  for (const std::string& name : node.globs) uncount(globs_, name);
  node.channels.clear();
  node.globs.clear();
  if (node.loading) --loading_;
  node.loading = false;
}

void RemoteInterest::replaceNode(std::string_view node, const std::vector<RedisInterest>& names) {
  if (node == self_) return;
  Node& held = nodeNamed(node);
  forget(held);
  for (const RedisInterest& name : names) {
    auto& set = name.pattern ? held.globs : held.channels;
    if (set.insert(name.text).second) count(name.pattern ? globs_ : channels_, name.text);
  }
  ++version_;
}

void RemoteInterest::add(std::string_view node, bool pattern, std::string_view name) {
  if (node == self_) return;
  Node& held = nodeNamed(node);
  auto& set = pattern ? held.globs : held.channels;
  if (set.find(name) != set.end()) return;
  set.emplace(name);
  count(pattern ? globs_ : channels_, name);
  ++version_;
}

void RemoteInterest::remove(std::string_view node, bool pattern, std::string_view name) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  auto& set = pattern ? it->second.globs : it->second.channels;
  auto found = set.find(name);
  if (found == set.end()) return;
  uncount(pattern ? globs_ : channels_, name);
  set.erase(found);
  ++version_;
}

void RemoteInterest::dropNode(std::string_view node) {
  auto it = nodes_.find(node);
  if (it == nodes_.end()) return;
  forget(it->second);
  nodes_.erase(it);
  ++version_;
}

void RemoteInterest::expect(std::string_view node) {
  if (node == self_) return;
  Node& held = nodeNamed(node);
  if (held.loading) return;
  held.loading = true;
  ++loading_;
  ++version_;
}

void RemoteInterest::setComplete(bool complete) {
  if (complete == complete_) return;
  complete_ = complete;
  ++version_;
}

// Nothing is forgotten: the sets are reloaded when the link is back, and
// until then every channel counts as wanted anyway.
void RemoteInterest::linkLost() { setComplete(false); }

bool RemoteInterest::wanted(std::string_view channel) const {
  if (!complete_ || loading_ != 0) return true;
  if (channels_.find(channel) != channels_.end()) return true;
  for (const auto& [glob, holders] : globs_) {
    if (globMatch(glob, channel)) return true;
  }
  return false;
}

}  // namespace linecast
