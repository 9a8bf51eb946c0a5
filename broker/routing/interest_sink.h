#pragma once

#include <cstdint>
#include <string_view>

namespace linecast {

// What a subscription asks of the world outside the process (--cluster): a
// line pattern (`a.b`, `a.*`, `a.>`), a Redis client's SUBSCRIBE channel
// or PSUBSCRIBE glob, or an MQTT topic filter (`a/+/c`, `a/#`).
enum class InterestKind : std::uint8_t { kLinePattern = 0, kRedisChannel = 1, kRedisPattern = 2, kMqttFilter = 3 };

// Told when a thread's first subscription to a pattern appears and when its
// last one goes, never per subscriber: the Router, the RESP index and the
// MQTT index call it, on their own thread, under the Broker's SubscriptionChange.
class InterestSink {
 public:
  virtual ~InterestSink() = default;
  virtual void gained(InterestKind kind, std::string_view text) = 0;
  virtual void lost(InterestKind kind, std::string_view text) = 0;
};

}  // namespace linecast
