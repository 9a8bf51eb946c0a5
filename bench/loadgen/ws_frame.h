#pragma once

#include <cstddef>
#include <cstdint>

namespace linecast::bench {

// The pieces of an RFC 6455 frame that both directions share: opcodes, the
// header a client writes, and masking. The loadgen is a client, so it
// writes masked frames (section 5.3) and reads unmasked ones.
enum class WsOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool isControl(WsOpcode opcode) { return static_cast<std::uint8_t>(opcode) >= 0x8; }

// The longest client frame header: 2 bytes, a 64-bit length, the mask key.
constexpr std::size_t kWsMaxClientHeader = 14;
// The longest control frame payload (section 5.5).
constexpr std::size_t kWsMaxControlPayload = 125;

// Writes a masked client frame's header for a payload of `length` bytes at
// dst (room for kWsMaxClientHeader); returns its size. The length is written
// in the shortest form (7, 16 or 64 bits), as section 5.2 requires.
std::size_t writeClientHeader(char* dst, WsOpcode opcode, bool fin, std::uint64_t length,
                              const unsigned char key[4]);

// dst[i] = src[i] ^ key[i % 4] for i < n, eight bytes at a time: a publisher
// masks every byte it sends, so this runs over its whole output. dst may
// equal src (masking in place) but must not overlap it otherwise.
void maskCopy(char* dst, const char* src, std::size_t n, const unsigned char key[4]);

}  // namespace linecast::bench
