#include "protocols/resp/resp_index.h"

#include <algorithm>
#include <cassert>

#include "net/connection.h"
#include "routing/glob_match.h"
#include "protocols/resp/resp_session.h"
#include "protocols/resp/resp_writer.h"

namespace linecast {

RespIndex::RespIndex() = default;
RespIndex::~RespIndex() = default;

void RespIndex::remove(Subscribers& list, Connection* conn) {
  auto it = std::find(list.begin(), list.end(), conn);
  assert(it != list.end());
  *it = list.back();  // order among subscribers carries no meaning
  list.pop_back();
}

bool RespIndex::addTo(ChannelMap& map, NameSet& held, Connection& conn, std::string_view channel) {
  if (held.contains(channel)) return false;
  held.emplace(channel);
  auto slot = map.find(channel);
  if (slot == map.end()) slot = map.emplace(std::string(channel), Subscribers{}).first;
  add(slot->second, &conn);
  ++subscriptions_;
  return true;
}

bool RespIndex::dropFrom(ChannelMap& map, NameSet& held, Connection& conn, std::string_view channel) {
  auto it = held.find(channel);
  if (it == held.end()) return false;
  auto slot = map.find(channel);
  remove(slot->second, &conn);
  if (slot->second.empty()) map.erase(slot);
  --subscriptions_;
  held.erase(it);  // last: `channel` may be a view of this very string
  return true;
}

bool RespIndex::subscribeChannel(Connection& conn, std::string_view channel) {
  if (!addTo(channels_, respSession(conn).channels, conn, channel)) return false;
  if (interest_ != nullptr && channels_.find(channel)->second.size() == 1) {
    interest_->gained(InterestKind::kRedisChannel, channel);
  }
  return true;
}

bool RespIndex::unsubscribeChannel(Connection& conn, std::string_view channel) {
  // Told before the drop: `channel` may view the connection's own copy,
  // which the drop erases.
  if (interest_ != nullptr) {
    auto slot = channels_.find(channel);
    if (slot != channels_.end() && slot->second.size() == 1 && respSession(conn).channels.contains(channel)) {
      interest_->lost(InterestKind::kRedisChannel, channel);
    }
  }
  return dropFrom(channels_, respSession(conn).channels, conn, channel);
}

bool RespIndex::subscribeShard(Connection& conn, std::string_view channel) {
  return addTo(shardChannels_, respSession(conn).shardChannels, conn, channel);
}

bool RespIndex::unsubscribeShard(Connection& conn, std::string_view channel) {
  return dropFrom(shardChannels_, respSession(conn).shardChannels, conn, channel);
}

bool RespIndex::subscribePattern(Connection& conn, std::string_view pattern) {
  auto& held = respSession(conn).patterns;
  if (held.contains(pattern)) return false;
  held.emplace(pattern);
  auto slot = patternSlots_.find(pattern);
  if (slot == patternSlots_.end()) {
    slot = patternSlots_.emplace(std::string(pattern), patterns_.size()).first;
    patterns_.push_back(Pattern{std::string(pattern), {}});
  }
  add(patterns_[slot->second].subscribers, &conn);
  ++subscriptions_;
  if (interest_ != nullptr && patterns_[slot->second].subscribers.size() == 1) {
    interest_->gained(InterestKind::kRedisPattern, pattern);
  }
  return true;
}

bool RespIndex::unsubscribePattern(Connection& conn, std::string_view pattern) {
  auto& held = respSession(conn).patterns;
  auto it = held.find(pattern);
  if (it == held.end()) return false;
  auto slot = patternSlots_.find(pattern);
  std::size_t index = slot->second;
  remove(patterns_[index].subscribers, &conn);
  if (patterns_[index].subscribers.empty()) {
    if (interest_ != nullptr) interest_->lost(InterestKind::kRedisPattern, patterns_[index].glob);
    // Fill the hole with the last pattern, so the scanned list stays dense.
    std::size_t last = patterns_.size() - 1;
    if (index != last) {
      patterns_[index] = std::move(patterns_[last]);
      patternSlots_.find(patterns_[index].glob)->second = index;
    }
    patterns_.pop_back();
    patternSlots_.erase(slot);
  }
  --subscriptions_;
  held.erase(it);  // last: `pattern` may be a view of this very string
  return true;
}

void RespIndex::unsubscribeAll(Connection& conn) {
  auto& channels = respSession(conn).channels;
  while (!channels.empty()) unsubscribeChannel(conn, *channels.begin());
  auto& shards = respSession(conn).shardChannels;
  while (!shards.empty()) unsubscribeShard(conn, *shards.begin());
  auto& patterns = respSession(conn).patterns;
  while (!patterns.empty()) unsubscribePattern(conn, *patterns.begin());
}

std::size_t RespIndex::publish(std::string_view channel, std::string_view payload) {
  std::size_t delivered = 0;
  if (!channels_.empty()) {
    auto slot = channels_.find(channel);
    if (slot != channels_.end()) {
      // Encoded once for all of them: formatting two lengths per subscriber
      // was most of a 1->100 fan-out's cost. Reused, so it allocates only
      // while it grows.
      respMessageHead(head_, "3\r\n$7\r\nmessage\r\n$", channel, payload.size());
      for (Connection* conn : slot->second) {
        // queue() cuts a subscriber over its output limit; it is closed at
        // the end of the turn, never in the middle of this loop.
        if (conn->open() && !conn->deniesDelivery(channel) &&
            conn->queue(pushByte(respSession(*conn).version), std::string_view(head_), payload, kCrlf)) {
          ++delivered;
        }
      }
    }
  }
  for (const Pattern& pattern : patterns_) {
    if (!globMatch(pattern.glob, channel)) continue;
    for (Connection* conn : pattern.subscribers) {
      if (conn->open() && !conn->deniesDelivery(channel) &&
          respPmessage(*conn, respSession(*conn).version, pattern.glob, channel, payload)) {
        ++delivered;
      }
    }
  }
  return delivered;
}

std::size_t RespIndex::publishShard(std::string_view channel, std::string_view payload) {
  auto slot = shardChannels_.find(channel);
  if (slot == shardChannels_.end()) return 0;
  std::size_t delivered = 0;
  for (Connection* conn : slot->second) {
    if (conn->open() && !conn->deniesDelivery(channel) &&
        respSmessage(*conn, respSession(*conn).version, channel, payload)) {
      ++delivered;
    }
  }
  return delivered;
}

std::size_t RespIndex::countShardMatches(std::string_view channel) const {
  auto slot = shardChannels_.find(channel);
  return slot == shardChannels_.end() ? 0 : slot->second.size();
}

void RespIndex::describe(PubsubCensus& census) const {
  for (const auto& [channel, subscribers] : channels_) census.addChannel(channel, subscribers.size());
  for (const Pattern& pattern : patterns_) census.addPattern("resp", pattern.glob);
  for (const auto& [channel, subscribers] : shardChannels_) census.addShardChannel(channel, subscribers.size());
}

std::size_t RespIndex::countMatches(std::string_view channel) const {
  std::size_t n = 0;
  if (auto slot = channels_.find(channel); slot != channels_.end()) n += slot->second.size();
  for (const Pattern& pattern : patterns_) {
    if (globMatch(pattern.glob, channel)) n += pattern.subscribers.size();
  }
  return n;
}

}  // namespace linecast
