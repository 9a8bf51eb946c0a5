#pragma once

#include <time.h>

namespace linecast {

// Seconds on the monotonic clock: deadlines and timeouts, never wall time.
inline double monotonicSeconds() {
  timespec ts;
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace linecast
