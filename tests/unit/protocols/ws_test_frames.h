#pragma once

// Builds the frames a WebSocket client sends, for the codec's tests.

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace linecast::ws_test {

inline constexpr std::array<unsigned char, 4> kKey = {0x37, 0xFA, 0x21, 0x3D};

enum class LengthForm { kMinimal, k16, k64 };

// A client frame: first byte b0 (FIN, RSV, opcode), masked with kKey unless
// `masked` is false, its length in the given form.
inline std::string clientFrame(std::uint8_t b0, std::string_view payload, bool masked = true,
                               LengthForm form = LengthForm::kMinimal) {
  std::string f(1, static_cast<char>(b0));
  const std::uint64_t n = payload.size();
  const char maskBit = masked ? '\x80' : '\0';
  if (form == LengthForm::kMinimal && n < 126) {
    f += static_cast<char>(maskBit | static_cast<char>(n));
  } else if (form == LengthForm::k16 || (form == LengthForm::kMinimal && n <= 0xFFFF)) {
    f += static_cast<char>(maskBit | 126);
    f += static_cast<char>(n >> 8);
    f += static_cast<char>(n & 0xFF);
  } else {
    f += static_cast<char>(maskBit | 127);
    for (int i = 0; i < 8; ++i) f += static_cast<char>((n >> (56 - 8 * i)) & 0xFF);
  }
  if (masked) {
    for (unsigned char k : kKey) f += static_cast<char>(k);
    for (std::size_t i = 0; i < payload.size(); ++i) {
      f += static_cast<char>(static_cast<unsigned char>(payload[i]) ^ kKey[i & 3]);
    }
  } else {
    f.append(payload);
  }
  return f;
}

// Turns a server frame (as the writer makes it: unmasked, header of 2, 4
// or 10 bytes) into the same frame as a client would send it.
inline std::string maskServerFrame(std::string_view frame) {
  std::size_t header = 2;
  unsigned len7 = static_cast<unsigned char>(frame[1]) & 0x7F;
  if (len7 == 126) header = 4;
  if (len7 == 127) header = 10;
  std::string f(frame.substr(0, header));
  f[1] = static_cast<char>(f[1] | '\x80');
  for (unsigned char k : kKey) f += static_cast<char>(k);
  for (std::size_t i = header; i < frame.size(); ++i) {
    f += static_cast<char>(static_cast<unsigned char>(frame[i]) ^ kKey[(i - header) & 3]);
  }
  return f;
}

}  // namespace linecast::ws_test
