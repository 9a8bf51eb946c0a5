#pragma once

#include <cstddef>
#include <cstdint>

namespace linecast {

// The vocabulary of RFC 6455 frames that the parser, the writer and a
// WebSocket session share: opcodes (section 5.2) and close codes (7.4).
enum class WsOpcode : std::uint8_t {
  kContinuation = 0x0,
  kText = 0x1,
  kBinary = 0x2,
  kClose = 0x8,
  kPing = 0x9,
  kPong = 0xA,
};

inline bool wsIsControl(WsOpcode op) { return (static_cast<std::uint8_t>(op) & 0x8) != 0; }

// Close codes linecast sends or reports.
namespace ws_close {
inline constexpr std::uint16_t kNormal = 1000;
inline constexpr std::uint16_t kGoingAway = 1001;
inline constexpr std::uint16_t kProtocolError = 1002;
// Never on the wire (RFC 6455 7.4.1): what a close frame without a code reports.
inline constexpr std::uint16_t kNoStatus = 1005;
inline constexpr std::uint16_t kInvalidPayload = 1007;
inline constexpr std::uint16_t kPolicyViolation = 1008;
inline constexpr std::uint16_t kTooBig = 1009;
}  // namespace ws_close

// A code a peer may put in a close frame (RFC 6455 7.4.1 and 7.4.2): the
// defined ones except those reserved for reporting (1004-1006, 1015), and
// the ranges for libraries (3000-3999) and applications (4000-4999).
inline bool wsValidCloseCode(std::uint16_t code) {
  return (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1011) ||
         (code >= 3000 && code <= 4999);
}

// The longest header a frame can have: 2 bytes, an 8-byte length, a 4-byte
// masking key (a server frame has no key, so 10).
inline constexpr std::size_t kWsMaxClientHeader = 14;
inline constexpr std::size_t kWsMaxServerHeader = 10;
// A control frame's payload is at most 125 bytes (RFC 6455 5.5).
inline constexpr std::size_t kWsMaxControlPayload = 125;

}  // namespace linecast
