#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "routing/interest_sink.h"
#include "routing/pubsub_census.h"

namespace linecast {

// Subscriptions a protocol matches by its own rules, beside the Router's
// (Redis: glob patterns, and one frame per matching subscription rather
// than one per connection). A protocol registers its index with the Broker
// of its thread (Broker::addIndex), which offers every published message to
// it, line-deliverable or not (a payload may hold any bytes here), and asks
// it for counts on behalf of other threads.
//
// Subscriptions change only under a Broker::SubscriptionChange, and never
// during publish().
class SubscriptionIndex {
 public:
  virtual ~SubscriptionIndex() = default;

  // Queues the message to every matching open subscriber; returns the
  // frames queued.
  virtual std::size_t publish(std::string_view channel, std::string_view payload) = 0;

  // The frames publish() would queue (open or not). Called from another
  // reactor thread under the owner's Broker lock: reads only.
  virtual std::size_t countMatches(std::string_view channel) const = 0;

  virtual std::size_t subscriptionCount() const = 0;

  // Shard channels (Redis's SSUBSCRIBE/SPUBLISH), a namespace of their
  // own that only an index may hold: the frames queued, and the frames a
  // publish would queue (read-only, under the owner's Broker lock).
  virtual std::size_t publishShard(std::string_view, std::string_view) { return 0; }
  virtual std::size_t countShardMatches(std::string_view) const { return 0; }

  // --cluster: an index whose subscriptions other nodes' messages must
  // reach tells the sink when a channel or pattern gets its first
  // subscriber and loses its last. By default an index is local only.
  virtual void setInterestSink(InterestSink*) {}

  // MQTT's message QoS (an index of another protocol ignores these): the
  // QoS of the messages publish() receives until reset (an MQTT client
  // published them, here or on another node; otherwise 1), and a message
  // on an MQTT-only topic, which is no channel (from another node: a local
  // one goes to the MQTT index directly). Returns the frames queued.
  virtual void setMessageQos(std::uint8_t) {}
  virtual void resetMessageQos() {}
  virtual std::size_t publishTopic(std::string_view, std::string_view, std::uint8_t) { return 0; }

  // Adds what it holds to a PUBSUB census. Read-only, under the owner's
  // Broker lock.
  virtual void describe(PubsubCensus& census) const = 0;
};

}  // namespace linecast
