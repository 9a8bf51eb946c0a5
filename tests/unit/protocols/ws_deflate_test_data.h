#pragma once

// Data for permessage-deflate's tests: bytes written out, RFC 7692's
// example, and messages to compress.

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <random>
#include <string>

namespace linecast::ws_test {

inline std::string bytes(std::initializer_list<unsigned> list) {
  std::string s;
  for (unsigned b : list) s += static_cast<char>(b);
  return s;
}

// RFC 7692 7.2.3.1: "Hello" compressed, the flush's 00 00 ff ff removed.
inline const std::string kRfcHello = bytes({0xf2, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00});

// Pub/sub-like text: JSON fields that repeat within and across messages.
inline std::string ticks(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s;
  while (s.size() < n) {
    s += "{\"channel\":\"prices.EURUSD\",\"bid\":1." + std::to_string(rng() % 100000) +
         ",\"seq\":" + std::to_string(rng()) + "}";
  }
  s.resize(n);
  return s;
}

// Bytes that do not compress.
inline std::string randomBytes(std::size_t n, std::uint32_t seed) {
  std::mt19937 rng(seed);
  std::string s(n, '\0');
  for (char& c : s) c = static_cast<char>(rng());
  return s;
}

}  // namespace linecast::ws_test
