#include "loadgen/plan.h"

#include <numeric>

namespace linecast::bench {

std::uint32_t Plan::channelOfMessage(std::uint32_t p, std::uint64_t k) const {
  return static_cast<std::uint32_t>((p + k * publishers) % channels);
}

std::uint64_t Plan::subscribersOn(std::uint32_t channel) const {
  return subscribers / channels + (channel < subscribers % channels ? 1 : 0);
}

std::uint64_t Plan::expectedDeliveries(std::uint32_t p, std::uint64_t n) const {
  // The channel sequence of one publisher repeats every C / gcd(P, C) messages.
  std::uint64_t period = channels / std::gcd(publishers, channels);
  std::uint64_t perPeriod = 0;
  std::uint64_t partial = 0;
  std::uint64_t rest = n % period;
  for (std::uint64_t k = 0; k < period; ++k) {
    std::uint64_t subs = subscribersOn(channelOfMessage(p, k));
    perPeriod += subs;
    if (k < rest) partial += subs;
  }
  return (n / period) * perPeriod + partial;
}

std::uint64_t Plan::quotaOf(std::uint32_t p, std::uint64_t total) const {
  if (total == 0) return UINT64_MAX;
  return total / publishers + (p < total % publishers ? 1 : 0);
}

}  // namespace linecast::bench
