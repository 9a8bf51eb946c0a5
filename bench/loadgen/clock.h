#pragma once

#include <cstdint>
#include <ctime>

namespace linecast::bench {

// CLOCK_MONOTONIC in nanoseconds. Every timestamp in the loadgen (send
// stamps inside payloads, receive times, deadlines) comes from this one
// clock, so a stamp written by a publisher thread compares directly with a
// receive time taken in a subscriber thread.
inline std::uint64_t nowNs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::uint64_t>(ts.tv_sec) * 1'000'000'000ull +
         static_cast<std::uint64_t>(ts.tv_nsec);
}

constexpr std::uint64_t kNsPerSec = 1'000'000'000ull;

}  // namespace linecast::bench
