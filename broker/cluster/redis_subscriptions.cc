#include "cluster/redis_subscriptions.h"

namespace linecast {

std::string RedisSubscriptions::keyOf(bool pattern, std::string_view name) {
  std::string key(1, pattern ? 'p' : 'c');
  key.append(name.data(), name.size());
  return key;
}

void RedisSubscriptions::touch(const std::string& key) { dirty_.push_back(key); }

void RedisSubscriptions::add(bool pattern, std::string_view name) {
  std::string key = keyOf(pattern, name);
  Entry& entry = entries_[key];
  if (entry.count++ == 0) {
    ++held_;
    if (entry.state == State::kUnsubscribing) ++rejoining_;
    touch(key);
  }
}

void RedisSubscriptions::remove(bool pattern, std::string_view name) {
  auto it = entries_.find(keyOf(pattern, name));
  if (it == entries_.end() || it->second.count == 0) return;  // never counted: nothing to undo
  if (--it->second.count == 0) {
    --held_;
    if (it->second.state == State::kUnsubscribing) --rejoining_;
    touch(it->first);
  }
}

void RedisSubscriptions::sync(Commands& out) {
  for (const std::string& key : dirty_) {
    auto it = entries_.find(key);
    if (it == entries_.end()) continue;  // already settled by an earlier dirty mark
    Entry& entry = it->second;
    bool pattern = key[0] == 'p';
    std::string name = key.substr(1);
    if (entry.count > 0 && entry.state == State::kNone) {
      (pattern ? out.psubscribe : out.subscribe).push_back(std::move(name));
      entry.state = State::kSubscribed;
    } else if (entry.count == 0 && entry.state == State::kSubscribed) {
      (pattern ? out.punsubscribe : out.unsubscribe).push_back(std::move(name));
      entry.state = State::kUnsubscribing;
    } else if (entry.count == 0 && entry.state == State::kNone) {
      entries_.erase(it);
    }
    // kUnsubscribing waits for unsubscribed(); kSubscribed with a count
    // is already right.
  }
  dirty_.clear();
}

void RedisSubscriptions::unsubscribed(bool pattern, std::string_view name) {
  std::string key = keyOf(pattern, name);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.state != State::kUnsubscribing) return;
  it->second.state = State::kNone;
  if (it->second.count > 0) --rejoining_;
  touch(key);  // erased, or subscribed again if it came back meanwhile
}

void RedisSubscriptions::linkLost() {
  dirty_.clear();
  rejoining_ = 0;
  for (auto it = entries_.begin(); it != entries_.end();) {
    if (it->second.count == 0) {
      it = entries_.erase(it);
      continue;
    }
    it->second.state = State::kNone;
    dirty_.push_back(it->first);
    ++it;
  }
}

}  // namespace linecast
