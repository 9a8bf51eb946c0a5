#include "routing/broker.h"

#include <vector>

#include "routing/channel.h"
#include "threads/interconnect.h"

namespace linecast {

void Broker::attach(Interconnect& net, std::size_t index) {
  net_ = &net;
  index_ = index;
}

void Broker::attachCluster(ClusterOutbox& outbox) {
  cluster_ = &outbox;
  router_.setInterestSink(&outbox);
  for (SubscriptionIndex* index : indexes_) index->setInterestSink(&outbox);
}

PublishRoute& Broker::route(std::string_view channel, std::uint64_t hash) {
  if (channel.size() > kMaxChannelLength) {
    // Not cached, so what other threads hold for it is not either.
    for (PublishRoute::Remote& r : invalid_.remote) r.version = ~std::uint64_t{0};
    return invalid_;
  }
  bool hit;
  PublishRoute& route = routes_.slot(channel, hash, hit);
  if (route.status == ChannelStatus::kValid && route.routerVersion != router_.version()) {
    refill(route);
  }
  return route;
}

void Broker::refill(PublishRoute& route) {
  route.subscribers.clear();
  if (router_.subscriptionCount() > 0) {
    router_.match(route.channel, [&route](Subscriber* sub) {
      auto* conn = static_cast<Connection*>(sub);
      // deny_subscribe is decided here, once per route and subscriber, not
      // per message.
      if (!conn->deniesDelivery(route.channel)) route.subscribers.push_back(conn);
    });
  }
  route.routerVersion = router_.version();
}

std::size_t Broker::deliverLocal(const PublishRoute& route, std::string_view payload) {
  std::size_t delivered = 0;
  Delivery message{route.channel, payload, route.msgPrefix};
  for (Connection* conn : route.subscribers) {
    // A subscriber over its output limit is cut; it is closed at the end of
    // the turn, never here in the middle of the fan-out.
    if (!conn->open()) continue;
    // The route's cached MSG line is copied here, without a call; any other
    // framing is the session's (Session::framesAsRouteLine).
    bool queued = conn->framesAsRouteLine() ? conn->queue(route.msgPrefix, payload, '\n')
                                            : conn->session().deliver(*conn, message);
    if (queued) ++delivered;
  }
  delivered += deliverToIndexes(route.channel, payload);
  metrics_.messagesDelivered += delivered;
  return delivered;
}

std::size_t Broker::deliver(PublishRoute& route, std::string_view payload) {
  ++metrics_.messagesPublished;
  std::size_t delivered = deliverLocal(route, payload);
  if (net_ != nullptr) delivered += forward(route, route.channel, payload, false);
  if (cluster_ != nullptr) cluster_->publish(route, payload);
  return delivered;
}

std::size_t Broker::countUndeliverable(const PublishRoute& route) {
  std::size_t skipped = 0;
  for (Connection* conn : route.subscribers) {
    if (conn->open()) ++skipped;
  }
  return skipped;
}

std::size_t Broker::publishAnyBytes(std::string_view channel, PublishRoute& found, std::string_view payload) {
  bool valid = found.status == ChannelStatus::kValid;
  if (valid && payload.find('\n') == std::string_view::npos) return deliver(found, payload);
  ++metrics_.messagesPublished;
  if (cluster_ != nullptr) cluster_->publish(channel, payload);
  return fanOutAnyBytes(channel, found, payload);
}

std::size_t Broker::fanOutAnyBytes(std::string_view channel, PublishRoute& found, std::string_view payload) {
  if (found.status == ChannelStatus::kValid) metrics_.messagesUndeliverable += countUndeliverable(found);
  std::size_t delivered = deliverToIndexes(channel, payload);
  metrics_.messagesDelivered += delivered;
  if (net_ != nullptr) delivered += forward(found, channel, payload, true);
  return delivered;
}

std::size_t Broker::deliverFromCluster(std::string_view channel, std::string_view payload, std::uint8_t mark) {
  if (cluster_mark::isMqttTopic(mark)) {
    std::size_t delivered = 0;
    for (SubscriptionIndex* index : indexes_) delivered += index->publishTopic(channel, payload, cluster_mark::qosOf(mark));
    metrics_.messagesDelivered += delivered;
    return delivered;
  }
  bool mqtt = cluster_mark::isMqtt(mark);
  if (mqtt) {
    for (SubscriptionIndex* index : indexes_) index->setMessageQos(cluster_mark::qosOf(mark));
  }
  PublishRoute& found = route(channel);
  std::size_t delivered = 0;
  if (found.status != ChannelStatus::kValid || payload.find('\n') != std::string_view::npos) {
    delivered = fanOutAnyBytes(channel, found, payload);
  } else {
    delivered = deliverLocal(found, payload);
    if (net_ != nullptr) delivered += forward(found, found.channel, payload, false);
  }
  if (mqtt) {
    for (SubscriptionIndex* index : indexes_) index->resetMessageQos();
  }
  return delivered;
}

void Broker::beginMqttMessage(std::uint8_t qos) {
  for (SubscriptionIndex* index : indexes_) index->setMessageQos(qos);
  if (cluster_ != nullptr) cluster_->setMark(cluster_mark::mqttChannel(qos));
}

void Broker::endMqttMessage() {
  for (SubscriptionIndex* index : indexes_) index->resetMessageQos();
  if (cluster_ != nullptr) cluster_->setMark(cluster_mark::kChannel);
}

std::size_t Broker::forward(PublishRoute& route, std::string_view channel,
                            std::string_view payload, bool anyBytes) {
  std::size_t threads = net_->size();
  if (route.remote.size() != threads) route.remote.resize(threads);
  // anyBytes: the message cannot reach the Router's subscribers (see
  // publishAnyBytes).
  bool lineDeliverable = !anyBytes && route.status == ChannelStatus::kValid;
  std::size_t delivered = 0;
  for (std::size_t t = 0; t < threads; ++t) {
    if (t == index_) continue;
    PublishRoute::Remote& remote = route.remote[t];
    Broker& peer = net_->broker(t);
    if (remote.version != peer.interestVersion_.load(std::memory_order_acquire)) {
      LocalCount count = peer.countForPeer(channel, remote.version);
      remote.routed = static_cast<std::uint32_t>(count.routed);
      remote.indexed = static_cast<std::uint32_t>(count.indexed);
    }
    std::size_t there = remote.indexed + (lineDeliverable ? remote.routed : 0);
    if (!lineDeliverable && route.status == ChannelStatus::kValid) {
      metrics_.messagesUndeliverable += remote.routed;
    }
    if (there == 0) continue;
    net_->forward(index_, t, channel, route.hash, payload,
                  anyBytes ? Forwarded::kAnyBytes : Forwarded::kLine);
    delivered += there;
  }
  return delivered;
}

Broker::LocalCount Broker::countForPeer(std::string_view channel, std::uint64_t& version) {
  std::lock_guard<std::mutex> lock(mutex_);
  version = interestVersion_.load(std::memory_order_relaxed);
  LocalCount count;
  if (router_.subscriptionCount() > 0 && checkPublishChannel(channel) == ChannelStatus::kValid) {
    count.routed = router_.countMatches(channel, countScratch_);
  }
  for (const SubscriptionIndex* index : indexes_) count.indexed += index->countMatches(channel);
  return count;
}

void Broker::deliverForwarded(std::string_view channel, std::uint64_t hash,
                              std::string_view payload, Forwarded kind) {
  switch (kind) {
    case Forwarded::kLine:
      deliverLocal(route(channel, hash), payload);
      return;
    case Forwarded::kAnyBytes:
      metrics_.messagesDelivered += deliverToIndexes(channel, payload);
      return;
    case Forwarded::kShard:
      for (SubscriptionIndex* index : indexes_) metrics_.messagesDelivered += index->publishShard(channel, payload);
      return;
  }
}

std::size_t Broker::publishShard(std::string_view channel, std::string_view payload) {
  ++metrics_.messagesPublished;
  std::size_t delivered = 0;
  for (SubscriptionIndex* index : indexes_) delivered += index->publishShard(channel, payload);
  metrics_.messagesDelivered += delivered;
  if (net_ == nullptr) return delivered;
  for (std::size_t t = 0; t < net_->size(); ++t) {
    if (t == index_) continue;
    std::size_t there = net_->broker(t).countShardForPeer(channel);
    if (there == 0) continue;
    net_->forward(index_, t, channel, 0, payload, Forwarded::kShard);
    delivered += there;
  }
  return delivered;
}

std::size_t Broker::countShardForPeer(std::string_view channel) {
  std::lock_guard<std::mutex> lock(mutex_);
  std::size_t n = 0;
  for (const SubscriptionIndex* index : indexes_) n += index->countShardMatches(channel);
  return n;
}

void Broker::describe(PubsubCensus& census) {
  std::lock_guard<std::mutex> lock(mutex_);
  router_.forEachPattern([&](std::string_view pattern, std::size_t subscribers, bool wildcard) {
    if (wildcard) {
      census.addPattern("line", pattern);
    } else {
      census.addChannel(pattern, subscribers);
    }
  });
  for (const SubscriptionIndex* index : indexes_) index->describe(census);
}

PubsubCensus Broker::censusAll() {
  PubsubCensus census;
  if (net_ == nullptr) {
    describe(census);
  } else {
    for (std::size_t t = 0; t < net_->size(); ++t) net_->broker(t).describe(census);
  }
  return census;
}

void Broker::removeIndex(SubscriptionIndex& index) {
  std::erase(indexes_, &index);
  indexedSubscriptions_ = 0;
  for (const SubscriptionIndex* left : indexes_) indexedSubscriptions_ += left->subscriptionCount();
}

std::size_t Broker::subscriptionCount() const {
  return router_.subscriptionCount() + indexedSubscriptions_;
}

void Broker::changed() {
  indexedSubscriptions_ = 0;
  for (const SubscriptionIndex* index : indexes_) indexedSubscriptions_ += index->subscriptionCount();
  // Only this thread writes the version (under mutex_); readers on other
  // threads compare it with what they cached.
  interestVersion_.store(interestVersion_.load(std::memory_order_relaxed) + 1,
                         std::memory_order_release);
  metrics_.subscriptions.set(static_cast<std::int64_t>(subscriptionCount()));
}

MetricsTotals Broker::metricsTotals() const {
  MetricsTotals totals;
  if (net_ != nullptr) {
    totals = net_->totals();
  } else {
    totals.add(metrics_);
  }
  // The store is the process's, not a thread's: its gauges are read once.
  totals.retainedMessages = static_cast<std::int64_t>(retained_->messages());
  totals.retainedBytes = static_cast<std::int64_t>(retained_->bytes());
  if (const StoreWriter* writer = storeTurn_.writer()) {
    totals.storeWrites = writer->writes();
    totals.storeSyncs = writer->syncs();
    totals.storeWaiting = static_cast<std::int64_t>(writer->waiting());
  }
  return totals;
}

bool Broker::subscribe(Connection& conn, std::string_view pattern) {
  auto [it, added] = conn.editPatterns().emplace(pattern);
  if (!added) return false;
  SubscriptionChange change(*this);
  router_.subscribe(&conn, *it);
  return true;
}

bool Broker::unsubscribe(Connection& conn, std::string_view pattern) {
  if (!conn.patterns().contains(pattern)) return false;
  auto& held = conn.editPatterns();
  auto it = held.find(pattern);
  SubscriptionChange change(*this);
  router_.unsubscribe(&conn, *it);
  held.erase(it);
  return true;
}

void Broker::unsubscribeAll(Connection& conn) {
  if (conn.patterns().empty()) return;
  SubscriptionChange change(*this);
  for (const std::string& pattern : conn.patterns()) router_.unsubscribe(&conn, pattern);
  conn.editPatterns().clear();
}

}  // namespace linecast
