#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "net/connection.h"
#include "metrics.h"
#include "cluster/cluster_outbox.h"
#include "routing/pubsub_census.h"
#include "persist/store_turn.h"
#include "routing/retained_store.h"
#include "routing/route_cache.h"
#include "routing/router.h"
#include "routing/subscription_index.h"

namespace linecast {

class Interconnect;
enum class Forwarded : std::uint32_t;

// The protocol-independent core of one reactor thread: who among its
// connections is subscribed to what, and delivering a published message to
// every matching connection. Every protocol shares one channel space:
// subscriptions live in the Router (once per connection, `*`/`>` patterns)
// or in an index a protocol registers for its own matching rules (Redis
// globs, see SubscriptionIndex), and a publish from any side reaches both.
// Each subscriber's Session frames its copy. It only appends frames to
// output rings; writing and closing wait for the end of the turn.
//
// With several reactor threads (attach()), a publish also goes to every
// other thread with a matching subscriber, through the Interconnect, and
// that thread delivers it to its own connections. Whether a thread has one
// is read from its Broker: subscriptions change only under its lock
// (SubscriptionChange) and each change moves its interest version on, so a
// publisher recounts a thread's matches under that lock only when the
// version it cached for the route has moved.
//
// The retained messages (RETAIN, SUB's first deliveries) are one
// RetainedStore for the whole process, which every thread's Broker points
// at; a publish never touches it.
class Broker {
 public:
  // `retained`: the process's store (null: one of its own, for a Broker
  // alone in a test).
  explicit Broker(Metrics& metrics, std::shared_ptr<RetainedStore> retained = nullptr)
      : retained_(retained ? std::move(retained) : std::make_shared<RetainedStore>()), metrics_(metrics) {}

  // Joins this broker to the other reactor threads' (index: its thread).
  void attach(Interconnect& net, std::size_t index);

  // --cluster: this thread's messages and interest changes go to `outbox`
  // too (ClusterHub), and its Router and indexes report their interest.
  void attachCluster(ClusterOutbox& outbox);
  // --cluster: the batch of interest changes that holds every change made
  // on this thread so far (0: none, or no --cluster), and whether Redis
  // confirmed it (docs/PROTOCOL.md, "Cluster": PONG after SUB).
  std::uint64_t clusterMark() const { return cluster_ != nullptr ? cluster_->neededBatch() : 0; }
  bool clusterConfirmed(std::uint64_t batch) const {
    return cluster_ == nullptr || cluster_->confirmedBatch() >= batch;
  }

  // The cached route of a channel, its subscriber list current. The line
  // protocol checks route.status, then calls deliver(): one lookup for both.
  PublishRoute& route(std::string_view channel) {
    return route(channel, RouteCache::hashChannel(channel));
  }
  PublishRoute& route(std::string_view channel, std::uint64_t hash);

  // Delivers to every open Router subscriber of the route, once per
  // connection, and to the registered indexes (Redis: once per matching
  // channel and pattern), here and on the other threads. Returns the number
  // of deliveries (those on other threads as counted when the message
  // left). The route must be valid and the payload free of '\n'.
  std::size_t deliver(PublishRoute& route, std::string_view payload);

  // route() plus deliver(), for a caller that has checked the channel.
  std::size_t publish(std::string_view channel, std::string_view payload) {
    return deliver(route(channel), payload);
  }
  // For a channel and payload that may be any bytes (a Redis PUBLISH): a
  // channel that is not a valid PUB channel matches no Router subscription,
  // and a payload with '\n' reaches the indexes only, counted as
  // undeliverable for each Router subscriber it skips (every Router
  // subscriber today frames a message as one line).
  std::size_t publishAnyBytes(std::string_view channel, std::string_view payload) {
    return publishAnyBytes(channel, route(channel), payload);
  }
  // With the channel's route() already looked up.
  std::size_t publishAnyBytes(std::string_view channel, PublishRoute& route, std::string_view payload);

  // A Redis SPUBLISH: to the indexes' shard-channel subscribers, here and
  // on the other threads (each asked under its lock: shard publishes are
  // rare, so nothing is cached). Returns the deliveries.
  std::size_t publishShard(std::string_view channel, std::string_view payload);

  // A message another node published (--cluster, on thread 0): to this
  // thread's subscribers and the other threads', any bytes as in
  // publishAnyBytes, and never back to the cluster. `mark` (cluster_mark)
  // says whether an MQTT client published it, at which QoS, and whether
  // `channel` is an MQTT-only topic (then the indexes alone get it: MQTT
  // lives on this thread).
  std::size_t deliverFromCluster(std::string_view channel, std::string_view payload,
                                 std::uint8_t mark = cluster_mark::kChannel);

  // MQTT's publish into the channel space: between the two calls the
  // indexes take the messages at `qos` (MqttIndex) and the cluster marks
  // them as MQTT's at that QoS, so that other nodes' MQTT subscribers
  // take them at it too. Synchronous, on this thread.
  void beginMqttMessage(std::uint8_t qos);
  void endMqttMessage();
  // An MQTT-only topic's message, for other nodes' MQTT subscribers (the
  // MQTT index delivered it here).
  void publishMqttTopicToCluster(std::string_view topic, std::string_view payload, std::uint8_t qos) {
    if (cluster_ != nullptr) cluster_->publishMqttTopic(topic, payload, qos);
  }

  // A message another thread published, for this thread's connections only.
  // `hash` is the channel's RouteCache::hashChannel().
  void deliverForwarded(std::string_view channel, std::uint64_t hash, std::string_view payload,
                        Forwarded kind);

  // Every subscription of every thread, for PUBSUB: each thread's Broker is
  // read under its own lock in turn. Costs a walk of all subscriptions.
  PubsubCensus censusAll();

  // Held (as a local) while subscriptions change, by the Broker and by the
  // protocols that edit the Router or their own index directly.
  class SubscriptionChange {
   public:
    explicit SubscriptionChange(Broker& broker) : broker_(broker), lock_(broker.mutex_) {}
    ~SubscriptionChange() { broker_.changed(); }
    SubscriptionChange(const SubscriptionChange&) = delete;
    SubscriptionChange& operator=(const SubscriptionChange&) = delete;

   private:
    Broker& broker_;
    std::lock_guard<std::mutex> lock_;
  };

  // A connection's permissions changed: routes rebuild their subscriber
  // lists, which leave out the deliveries a user's deny_subscribe refuses.
  void permissionsChanged() { router_.invalidateRoutes(); }

  // The pattern must be valid. Returns false if the connection held it.
  bool subscribe(Connection& conn, std::string_view pattern);
  // Returns false if the connection did not hold the pattern.
  bool unsubscribe(Connection& conn, std::string_view pattern);
  // The connection's Router subscriptions (its Session's dropSubscriptions drops
  // what it holds in an index).
  void unsubscribeAll(Connection& conn);

  // Router plus index subscriptions on this thread.
  std::size_t subscriptionCount() const;
  // A protocol's index; it must outlive the Broker's use of it (the
  // Server owns both).
  void addIndex(SubscriptionIndex& index) {
    indexes_.push_back(&index);
    if (cluster_ != nullptr) index.setInterestSink(cluster_);
  }
  void removeIndex(SubscriptionIndex& index);
  // Every thread's metrics added up, for /metrics and /stats.
  MetricsTotals metricsTotals() const;

  Router& router() { return router_; }
  Metrics& metrics() { return metrics_; }
  RetainedStore& retained() { return *retained_; }
  // Changes a retained message (RetainedStore::retain, clear) and marks
  // this turn's write for the data store, if there is one. Protocols
  // change retained messages through these two, not through retained():
  // a change made there is stored too, but the turn would not wait for
  // it under --fsync always.
  RetainedStore::Outcome retain(std::string_view channel, std::string_view payload,
                                std::uint8_t qos = RetainedStore::kOtherProtocolsQos) {
    RetainedStore::Outcome outcome = retained_->retain(channel, payload, qos);
    if (outcome == RetainedStore::Outcome::kOverLimit) return outcome;
    storeTurn_.noteWrite();
    if (cluster_ != nullptr) cluster_->retain(channel, payload);
    return outcome;
  }
  // The same for a route at hand (the line protocol's RETAIN), which
  // keeps the store's node for the next RETAIN of its channel.
  RetainedStore::Outcome retain(PublishRoute& route, std::string_view payload,
                                std::uint8_t qos = RetainedStore::kOtherProtocolsQos) {
    RetainedStore::Outcome outcome = retained_->retain(route.channel, payload, qos, route.retained);
    if (outcome == RetainedStore::Outcome::kOverLimit) return outcome;
    storeTurn_.noteWrite();
    if (cluster_ != nullptr) cluster_->retain(route.channel, payload);
    return outcome;
  }
  // With --cluster, also when this node held none: Redis and the others may.
  bool clearRetained(std::string_view channel) {
    bool held = retained_->clear(channel);
    if (held) storeTurn_.noteWrite();
    if (cluster_ != nullptr) cluster_->retain(channel, {});
    return held;
  }
  // --cluster: whether a retained message can be stored in Redis now (a
  // RETAIN is refused while it cannot: docs/PROTOCOL.md, "Cluster").
  bool retainAvailable() const { return cluster_ == nullptr || cluster_->available(); }
  // This thread's side of the --data-dir writer (null: none); the Server
  // finishes it at the end of each turn.
  void attachStore(StoreWriter* writer) { storeTurn_ = StoreTurn(writer); }
  StoreTurn& storeTurn() { return storeTurn_; }

 private:
  struct LocalCount {
    std::size_t routed = 0;   // Router subscribers
    std::size_t indexed = 0;  // frames the indexes would queue
  };
  void refill(PublishRoute& route);
  void changed();
  std::size_t deliverLocal(const PublishRoute& route, std::string_view payload);
  // Here and on the other threads, for a publish of any bytes (not counted
  // as published, not sent to the cluster).
  std::size_t fanOutAnyBytes(std::string_view channel, PublishRoute& route, std::string_view payload);
  std::size_t deliverToIndexes(std::string_view channel, std::string_view payload) {
    if (indexedSubscriptions_ == 0) return 0;  // one load on the hot path
    std::size_t delivered = 0;
    for (SubscriptionIndex* index : indexes_) delivered += index->publish(channel, payload);
    return delivered;
  }
  std::size_t countUndeliverable(const PublishRoute& route);
  // Forwards to each other thread with a matching subscriber; returns the
  // deliveries counted there.
  std::size_t forward(PublishRoute& route, std::string_view channel, std::string_view payload,
                      bool anyBytes);
  // This thread's subscriptions into the census, under mutex_.
  void describe(PubsubCensus& census);
  std::size_t countShardForPeer(std::string_view channel);
  // Called by other threads: this thread's matches, and the version they
  // hold for.
  LocalCount countForPeer(std::string_view channel, std::uint64_t& version);

  Router router_;
  std::vector<SubscriptionIndex*> indexes_;
  std::size_t indexedSubscriptions_ = 0;  // over indexes_, updated by changed()
  RouteCache routes_;
  PublishRoute invalid_;  // for names too long to be a channel, never cached
  std::shared_ptr<RetainedStore> retained_;  // shared by every thread
  StoreTurn storeTurn_;
  Metrics& metrics_;
  Interconnect* net_ = nullptr;
  std::size_t index_ = 0;
  ClusterOutbox* cluster_ = nullptr;  // null: no --cluster
  std::mutex mutex_;  // guards router_ and the indexes against other threads' reads
  std::atomic<std::uint64_t> interestVersion_{0};
  std::vector<Subscriber*> countScratch_;  // used under mutex_
};

}  // namespace linecast
