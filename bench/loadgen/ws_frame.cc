#include "loadgen/ws_frame.h"

#include <cstring>

namespace linecast::bench {

std::size_t writeClientHeader(char* dst, WsOpcode opcode, bool fin, std::uint64_t length,
                              const unsigned char key[4]) {
  auto* out = reinterpret_cast<unsigned char*>(dst);
  out[0] = static_cast<unsigned char>((fin ? 0x80 : 0x00) | static_cast<std::uint8_t>(opcode));
  std::size_t n = 2;
  if (length < 126) {
    out[1] = static_cast<unsigned char>(0x80 | length);
  } else if (length <= 0xFFFF) {
    out[1] = 0x80 | 126;
    out[2] = static_cast<unsigned char>(length >> 8);
    out[3] = static_cast<unsigned char>(length);
    n = 4;
  } else {
    out[1] = 0x80 | 127;
    for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<unsigned char>(length >> (56 - 8 * i));
    n = 10;
  }
  std::memcpy(out + n, key, 4);
  return n + 4;
}

void maskCopy(char* dst, const char* src, std::size_t n, const unsigned char key[4]) {
  // The key repeated twice, in memory order: XORing a word loaded from the
  // payload with it masks eight bytes at once, whatever the byte order.
  unsigned char key8[8] = {key[0], key[1], key[2], key[3], key[0], key[1], key[2], key[3]};
  std::uint64_t mask;
  std::memcpy(&mask, key8, sizeof mask);
  std::size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, src + i, sizeof word);
    word ^= mask;
    std::memcpy(dst + i, &word, sizeof word);
  }
  // The tail: byte i of a payload is masked with key[i % 4].
  for (; i < n; ++i) dst[i] = static_cast<char>(src[i] ^ static_cast<char>(key[i & 3]));
}

}  // namespace linecast::bench
