#pragma once

#include <cstddef>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "util/string_hash.h"

namespace linecast {

// Every subscription in the process, counted the way Redis's PUBSUB counts
// them (docs/PROTOCOL.md, "Redis clients, revision 4 additions"): exact
// channels with their subscribers, whichever protocol holds them; distinct
// patterns, each kind apart (a line `a.*` and a Redis glob `a.*` match
// different channels, so they are two); shard channels. Taken under each
// thread's Broker lock in turn (Broker::censusAll), never on the hot path.
struct PubsubCensus {
  using Counts = std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>>;
  Counts channels;
  // "<kind> <pattern>": the kind keeps equal texts of two syntaxes apart.
  std::unordered_set<std::string, StringHash, std::equal_to<>> patterns;
  Counts shardChannels;

  void addChannel(std::string_view channel, std::size_t subscribers) {
    auto it = channels.find(channel);
    if (it == channels.end()) it = channels.emplace(std::string(channel), 0).first;
    it->second += subscribers;
  }
  void addShardChannel(std::string_view channel, std::size_t subscribers) {
    auto it = shardChannels.find(channel);
    if (it == shardChannels.end()) it = shardChannels.emplace(std::string(channel), 0).first;
    it->second += subscribers;
  }
  void addPattern(std::string_view kind, std::string_view pattern) {
    std::string key(kind);
    key += ' ';
    key += pattern;
    patterns.insert(std::move(key));
  }
};

}  // namespace linecast
