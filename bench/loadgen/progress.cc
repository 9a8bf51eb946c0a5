#include "loadgen/progress.h"

#include <cstdio>

#include <fmt/format.h>

namespace linecast::bench {

std::string shortCount(double value) {
  if (value >= 1e9) return fmt::format("{:.2f}G", value / 1e9);
  if (value >= 1e6) return fmt::format("{:.2f}M", value / 1e6);
  if (value >= 1e4) return fmt::format("{:.1f}k", value / 1e3);
  return fmt::format("{:.0f}", value);
}

void printProgress(double elapsedSec, const std::string& phase, const std::string& detail) {
  fmt::print(stderr, "[{:6.1f}s] {:<8} {}\n", elapsedSec, phase, detail);
  std::fflush(stderr);
}

}  // namespace linecast::bench
