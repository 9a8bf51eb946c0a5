#pragma once

#include <cstdint>
#include <string>

namespace linecast::bench {

// 1234567 -> "1.23M": short numbers for the one-line progress reports.
std::string shortCount(double value);

// Prints one progress line on stderr, e.g.
//   [  3.0s] run      published 1.21M/s  delivered 12.1M/s  conns 11/11
void printProgress(double elapsedSec, const std::string& phase, const std::string& detail);

}  // namespace linecast::bench
