#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "util/string_hash.h"

namespace linecast {

// The node's subscriptions in Redis, reference-counted: one SUBSCRIBE (or
// PSUBSCRIBE) while any reactor thread holds a local subscription that
// needs it, one UNSUBSCRIBE when the last goes. Plain state, no I/O: the
// RedisBackplane feeds it the threads' changes, asks sync() what to send,
// and tells it what Redis answered.
//
// An UNSUBSCRIBE is answered before the same name may be subscribed again:
// hiredis (0.14) forgets a name's callback when the UNSUBSCRIBE's answer
// arrives, even when a SUBSCRIBE was sent after it, so a name waits in
// kUnsubscribing until then.
class RedisSubscriptions {
 public:
  // What sync() asks to send; each list becomes one command.
  struct Commands {
    std::vector<std::string> subscribe;
    std::vector<std::string> psubscribe;
    std::vector<std::string> unsubscribe;
    std::vector<std::string> punsubscribe;
    bool empty() const {
      return subscribe.empty() && psubscribe.empty() && unsubscribe.empty() && punsubscribe.empty();
    }
    void clear() {
      subscribe.clear();
      psubscribe.clear();
      unsubscribe.clear();
      punsubscribe.clear();
    }
  };

  void add(bool pattern, std::string_view name);
  void remove(bool pattern, std::string_view name);
  // With the link up: what to send now to make Redis hold exactly the
  // names counted, for the names changed since the last call.
  void sync(Commands& out);
  // Redis confirmed an UNSUBSCRIBE (or PUNSUBSCRIBE) of the name.
  void unsubscribed(bool pattern, std::string_view name);
  // The link was lost: Redis holds nothing; every counted name is to be
  // subscribed again at the next sync().
  void linkLost();

  // Calls f(key) for each name counted, as a key: 'c' or 'p', then the
  // name (the form of the interest set in Redis).
  template <class F>
  void forEachCounted(F&& f) const {
    for (const auto& [key, entry] : entries_) {
      if (entry.count > 0) f(std::string_view(key));
    }
  }

  // Distinct names counted (what Redis should hold).
  std::size_t held() const { return held_; }
  // Names counted again while their UNSUBSCRIBE is unanswered: sync() sends
  // them only after that answer.
  bool resubscribing() const { return rejoining_ != 0; }

 private:
  enum class State { kNone, kSubscribed, kUnsubscribing };
  struct Entry {
    std::size_t count = 0;
    State state = State::kNone;
  };
  static std::string keyOf(bool pattern, std::string_view name);
  void touch(const std::string& key);

  std::unordered_map<std::string, Entry, StringHash, std::equal_to<>> entries_;  // key: 'c'/'p' + name
  std::vector<std::string> dirty_;
  std::size_t held_ = 0;
  std::size_t rejoining_ = 0;  // entries kUnsubscribing with a count
};

}  // namespace linecast
