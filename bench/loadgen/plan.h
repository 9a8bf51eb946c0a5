#pragma once

#include <cstdint>

namespace linecast::bench {

// Who talks on which channel. Subscriber s listens on channel s % C.
// Publisher p's k-th message is the run's global message g = p + k*P and
// goes to channel g % C: publishers interleave over the channels, and a lone
// publisher cycles through all of them. Knowing this, the expected number of
// deliveries follows from how many messages each publisher sent, without
// logging every message.
struct Plan {
  std::uint32_t publishers = 1;
  std::uint32_t subscribers = 1;
  std::uint32_t channels = 1;

  std::uint32_t channelOfSubscriber(std::uint32_t s) const { return s % channels; }
  std::uint32_t channelOfMessage(std::uint32_t p, std::uint64_t k) const;
  std::uint64_t subscribersOn(std::uint32_t channel) const;

  // Deliveries owed for publisher p's first n messages.
  std::uint64_t expectedDeliveries(std::uint32_t p, std::uint64_t n) const;
  // Publisher p's share of a run of `total` messages (0 = unlimited).
  std::uint64_t quotaOf(std::uint32_t p, std::uint64_t total) const;
};

}  // namespace linecast::bench
