#pragma once

#include <cmath>
#include <cstdint>

namespace linecast {

// A moment of the reactor clock (seconds, a double) in 32 bits: whole
// milliseconds modulo 2^32. It is read back only as a distance to the
// current time, which modular arithmetic gets right while it is under
// 2^31 ms (24.8 days) either way. A Connection keeps its last activity and
// its partial input's start so (issue 14: 4 bytes each instead of 8); a
// moment that could grow older than that is held at kMaxAge by age() (the
// cron calls it every 0.1 s), so its age reads as kMaxAge at most and
// never wraps to a young one. Deadlines ahead are bounded by kMaxAge too.
class RecentTime {
 public:
  // 20 days: below 2^31 ms with 4.8 days to spare between two cron runs.
  static constexpr double kMaxAge = 20.0 * 24 * 3600;

  RecentTime() = default;
  explicit RecentTime(double at) : ms_(ticks(at)) {}

  // Seconds from this moment to `now`: positive when it is past, negative
  // when it is still ahead (a deadline).
  double secondsBefore(double now) const {
    return static_cast<double>(static_cast<std::int32_t>(ticks(now) - ms_)) / 1000.0;
  }
  // Keeps a moment older than kMaxAge at kMaxAge.
  void age(double now) {
    if (secondsBefore(now) > kMaxAge) ms_ = ticks(now) - kMaxAgeTicks;
  }

 private:
  static constexpr std::uint32_t kMaxAgeTicks = static_cast<std::uint32_t>(kMaxAge * 1000);
  // Milliseconds modulo 2^32 (two's complement, so negative times of a
  // test's clock wrap the same way).
  static std::uint32_t ticks(double at) {
    return static_cast<std::uint32_t>(static_cast<std::int64_t>(std::floor(at * 1000.0)));
  }

  std::uint32_t ms_ = 0;
};

}  // namespace linecast
