#pragma once

// Builds MQTT 3.1.1 packets byte by byte, as section 2 and 3 of the
// standard lay them out, independently of the encoder under test.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linecast::mqtt_test {

// 2.2.3: seven bits per byte, least significant first.
inline std::string remainingLength(std::size_t n) {
  std::string out;
  do {
    auto digit = static_cast<unsigned char>(n % 128);
    n /= 128;
    if (n > 0) digit |= 0x80;
    out += static_cast<char>(digit);
  } while (n > 0);
  return out;
}

// A literal's bytes, NULs included ("\x00\x05ab" is 4 bytes).
template <std::size_t N>
std::string raw(const char (&literal)[N]) {
  return std::string(literal, N - 1);
}

inline std::string u16(std::uint16_t v) {
  return {static_cast<char>(v >> 8), static_cast<char>(v & 0xFF)};
}

// 1.5.3: a 2-byte length, then the bytes.
inline std::string str(std::string_view s) {
  return u16(static_cast<std::uint16_t>(s.size())) + std::string(s);
}

inline std::string packet(std::uint8_t firstByte, std::string_view body) {
  return std::string(1, static_cast<char>(firstByte)) + remainingLength(body.size()) + std::string(body);
}

}  // namespace linecast::mqtt_test
