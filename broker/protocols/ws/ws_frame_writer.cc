#include "protocols/ws/ws_frame_writer.h"

#include <cstring>

namespace linecast {

std::size_t wsWriteHeader(WsOpcode opcode, std::uint64_t payloadLength, char* out, bool compressed) {
  out[0] = static_cast<char>(0x80 | (compressed ? 0x40 : 0) | static_cast<std::uint8_t>(opcode));
  if (payloadLength < 126) {
    out[1] = static_cast<char>(payloadLength);
    return 2;
  }
  if (payloadLength <= 0xFFFF) {
    out[1] = 126;
    out[2] = static_cast<char>(payloadLength >> 8);
    out[3] = static_cast<char>(payloadLength);
    return 4;
  }
  out[1] = 127;
  for (int i = 0; i < 8; ++i) out[2 + i] = static_cast<char>(payloadLength >> (56 - 8 * i));
  return 10;
}

WsControlFrame WsControlFrame::make(WsOpcode opcode, std::string_view a, std::string_view b) {
  WsControlFrame frame;
  std::size_t length = a.size() + b.size();
  frame.size_ = wsWriteHeader(opcode, length, frame.bytes_.data());
  // An empty view may be null, which memcpy must not see even for 0 bytes.
  if (!a.empty()) std::memcpy(frame.bytes_.data() + frame.size_, a.data(), a.size());
  if (!b.empty()) std::memcpy(frame.bytes_.data() + frame.size_ + a.size(), b.data(), b.size());
  frame.size_ += length;
  return frame;
}

WsControlFrame WsControlFrame::ping(std::string_view payload) {
  return make(WsOpcode::kPing, payload.substr(0, kWsMaxControlPayload), {});
}

WsControlFrame WsControlFrame::pong(std::string_view payload) {
  return make(WsOpcode::kPong, payload.substr(0, kWsMaxControlPayload), {});
}

WsControlFrame WsControlFrame::close(std::uint16_t code, std::string_view reason) {
  std::size_t fit = kWsMaxControlPayload - 2;
  if (reason.size() > fit) {
    // Back up over continuation bytes (10xxxxxx) to the start of the
    // character that would be cut.
    while (fit > 0 && (static_cast<unsigned char>(reason[fit]) & 0xC0) == 0x80) --fit;
    reason = reason.substr(0, fit);
  }
  const char codeBytes[2] = {static_cast<char>(code >> 8), static_cast<char>(code & 0xFF)};
  return make(WsOpcode::kClose, std::string_view(codeBytes, 2), reason);
}

WsControlFrame WsControlFrame::closeEmpty() { return make(WsOpcode::kClose, {}, {}); }

}  // namespace linecast
