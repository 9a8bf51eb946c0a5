#pragma once

#include <string_view>

namespace linecast {

// Compares a presented token with the configured one in time that depends
// only on the configured token's length, so response timing does not reveal
// how many leading bytes were right.
inline bool tokensEqual(std::string_view expected, std::string_view presented) {
  volatile unsigned char diff = expected.size() == presented.size() ? 0 : 1;
  for (std::size_t i = 0; i < expected.size(); ++i) {
    unsigned char p = i < presented.size() ? static_cast<unsigned char>(presented[i]) : 0;
    diff = diff | (static_cast<unsigned char>(expected[i]) ^ p);
  }
  return diff == 0;
}

}  // namespace linecast
