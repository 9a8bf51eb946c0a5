#pragma once

#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "routing/subscription_index.h"
#include "util/string_hash.h"

namespace linecast {

class Connection;

// The RESP subscriptions of all connections, kept the way Redis keeps them:
// exact channels in a hash map to their subscribers (pubsub_channels), and
// glob patterns in a list scanned on every publish (pubsub_patterns). Unlike
// the line protocol, where a connection gets a message once however many of
// its patterns match, Redis sends one `message` per matching channel
// subscription and one `pmessage` per matching pattern, and counts each in
// PUBLISH's reply; so does this index.
//
// Each call keeps the connection's RespSession sets and the index in step;
// the index owns copies of the names and no connection. Subscriptions must
// not change during publish(), and a connection must be removed
// (unsubscribeAll) before it is destroyed.
class RespIndex final : public SubscriptionIndex {
 public:
  RespIndex();
  ~RespIndex();
  RespIndex(const RespIndex&) = delete;
  RespIndex& operator=(const RespIndex&) = delete;

  // Return false when nothing changed (already held / not held).
  bool subscribeChannel(Connection& conn, std::string_view channel);
  bool unsubscribeChannel(Connection& conn, std::string_view channel);
  bool subscribePattern(Connection& conn, std::string_view pattern);
  bool unsubscribePattern(Connection& conn, std::string_view pattern);
  // Shard channels (SSUBSCRIBE), a namespace of their own.
  bool subscribeShard(Connection& conn, std::string_view channel);
  bool unsubscribeShard(Connection& conn, std::string_view channel);
  void unsubscribeAll(Connection& conn);

  // Queues `message` to every open subscriber of the channel, then
  // `pmessage` to every open subscriber of each matching pattern. Returns
  // the frames queued (subscribers cut as slow consumers do not count).
  std::size_t publish(std::string_view channel, std::string_view payload) override;

  // The frames publish() would queue for the channel (open or not): how
  // another reactor thread counts this one's subscribers, under the
  // Broker's lock. Reads only.
  std::size_t countMatches(std::string_view channel) const override;

  // SPUBLISH: `smessage` to every open subscriber of the shard channel.
  std::size_t publishShard(std::string_view channel, std::string_view payload) override;
  std::size_t countShardMatches(std::string_view channel) const override;

  // Channel, pattern and shard-channel subscriptions, over all connections.
  std::size_t subscriptionCount() const override { return subscriptions_; }

  // Redis's own PUBSUB view: channels with their subscribers, each
  // distinct glob ("resp" patterns), shard channels.
  void describe(PubsubCensus& census) const override;

  // --cluster: SUBSCRIBE channels and PSUBSCRIBE globs, as Redis takes them.
  void setInterestSink(InterestSink* sink) override { interest_ = sink; }

 private:
  using Subscribers = std::vector<Connection*>;
  struct Pattern {
    std::string glob;
    Subscribers subscribers;
  };

  using ChannelMap = std::unordered_map<std::string, Subscribers, StringHash, std::equal_to<>>;
  using NameSet = std::unordered_set<std::string, StringHash, std::equal_to<>>;

  static void add(Subscribers& list, Connection* conn) { list.push_back(conn); }
  static void remove(Subscribers& list, Connection* conn);
  // An exact (or shard) channel in `map`, and in the connection's `held`.
  bool addTo(ChannelMap& map, NameSet& held, Connection& conn, std::string_view channel);
  bool dropFrom(ChannelMap& map, NameSet& held, Connection& conn, std::string_view channel);

  ChannelMap channels_;
  ChannelMap shardChannels_;
  // A vector, scanned linearly per publish as Redis does; patternSlots_
  // finds a pattern's slot for (un)subscribing.
  std::vector<Pattern> patterns_;
  std::string head_;  // publish(): the message frame's head, reused
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> patternSlots_;
  std::size_t subscriptions_ = 0;
  InterestSink* interest_ = nullptr;
};

}  // namespace linecast
