#include "routing/route_cache.h"

#include <cstring>

namespace linecast {

namespace {

std::uint64_t load64(const char* p) {
  std::uint64_t word;
  std::memcpy(&word, p, 8);
  return word;
}

std::uint32_t load32(const char* p) {
  std::uint32_t word;
  std::memcpy(&word, p, 4);
  return word;
}

}  // namespace

std::uint64_t RouteCache::hashChannel(std::string_view s) {
  constexpr std::uint64_t kMul = 0x9E3779B97F4A7C15ull;
  const char* p = s.data();
  std::size_t n = s.size();
  std::uint64_t h = n * kMul;
  auto mix = [&h](std::uint64_t word) {
    h = (h ^ word) * kMul;
    h ^= h >> 29;
  };
  for (; n > 8; p += 8, n -= 8) mix(load64(p));
  // The last 1..8 bytes in at most two loads, which may overlap bytes
  // already mixed: cheaper than a byte loop, and still a function of s.
  if (n >= 4) {
    mix(load32(p) | (std::uint64_t{load32(p + n - 4)} << 32));
  } else if (n > 0) {
    mix(static_cast<unsigned char>(p[0]) | (static_cast<unsigned>(static_cast<unsigned char>(p[n / 2])) << 8) |
        (static_cast<unsigned>(static_cast<unsigned char>(p[n - 1])) << 16));
  }
  return h ^ (h >> 32);
}

}  // namespace linecast
