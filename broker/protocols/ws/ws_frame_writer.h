#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "protocols/ws/ws_frame.h"

namespace linecast {

// Encodes the frames a server sends (RFC 6455 5.2): never masked, always
// FIN (linecast does not fragment what it sends).

// Writes the header of a frame carrying `payloadLength` bytes into `out`
// (at least kWsMaxServerHeader bytes) and returns its size: 2, 4 or 10
// bytes, the fewest the length fits in. The payload follows it as it is,
// so a delivery is queued as header + payload without copying the payload.
// `compressed` sets RSV1 (a permessage-deflate message's first frame).
std::size_t wsWriteHeader(WsOpcode opcode, std::uint64_t payloadLength, char* out,
                          bool compressed = false);

// A whole control frame, built in place (no allocation).
class WsControlFrame {
 public:
  std::string_view bytes() const { return {bytes_.data(), size_}; }

  // A ping or pong; the payload is cut at 125 bytes (a pong echoes a
  // ping's payload, which the parser already bounds).
  static WsControlFrame ping(std::string_view payload);
  static WsControlFrame pong(std::string_view payload);
  // A close frame with a code and a reason; the reason is cut to the 123
  // bytes that fit, at a UTF-8 character boundary so that it stays valid.
  static WsControlFrame close(std::uint16_t code, std::string_view reason = {});
  // A close frame without a code (the answer to one without a code).
  static WsControlFrame closeEmpty();

 private:
  static WsControlFrame make(WsOpcode opcode, std::string_view a, std::string_view b);

  std::array<char, 2 + kWsMaxControlPayload> bytes_{};
  std::size_t size_ = 0;
};

}  // namespace linecast
