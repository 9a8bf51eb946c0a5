#pragma once

#include <cstdint>
#include <string_view>

namespace linecast {

// What a subscription asks of the world outside the process (--cluster): a
// line pattern (`a.b`, `a.*`, `a.>`), or a Redis client's SUBSCRIBE channel
// or PSUBSCRIBE glob.
enum class InterestKind : std::uint8_t { kLinePattern = 0, kRedisChannel = 1, kRedisPattern = 2 };

// Told when a thread's first subscription to a pattern appears and when its
// last one goes, never per subscriber: the Router and the RESP index call
// it, on their own thread, under the Broker's SubscriptionChange.
class InterestSink {
 public:
  virtual ~InterestSink() = default;
  virtual void gained(InterestKind kind, std::string_view text) = 0;
  virtual void lost(InterestKind kind, std::string_view text) = 0;
};

}  // namespace linecast
