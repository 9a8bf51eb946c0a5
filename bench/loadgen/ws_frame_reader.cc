#include "loadgen/ws_frame_reader.h"

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace linecast::bench {

bool WsFrameReader::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return false;
}

bool WsFrameReader::onHeaderBytes() {
  if (have_ == 2) {
    std::uint8_t b0 = header_[0];
    std::uint8_t b1 = header_[1];
    if (b0 & 0x70) return fail(fmt::format("frame with RSV bits 0x{:02x}; no extension was negotiated", b0 & 0x70));
    if (b1 & 0x80) return fail("masked frame from the server (RFC 6455 5.1)");
    std::uint8_t op = b0 & 0x0F;
    if (op > 0xA || (op > 0x2 && op < 0x8)) return fail(fmt::format("unknown opcode 0x{:x}", op));
    opcode_ = static_cast<WsOpcode>(op);
    fin_ = (b0 & 0x80) != 0;
    std::uint8_t len7 = b1 & 0x7F;
    if (isControl(opcode_)) {
      if (!fin_) return fail("fragmented control frame");
      if (len7 > kWsMaxControlPayload) return fail("control frame over 125 bytes");
    } else if (opcode_ == WsOpcode::kContinuation) {
      if (!inMessage_) return fail("continuation frame outside a fragmented message");
    } else if (inMessage_) {
      return fail("new message inside a fragmented one");
    }
    if (len7 == 126) need_ = 4;
    if (len7 == 127) need_ = 10;
    if (need_ > have_) return true;
    remaining_ = len7;
  } else if (need_ == 4) {
    remaining_ = (std::uint64_t{header_[2]} << 8) | header_[3];
  } else {
    remaining_ = 0;
    for (std::size_t i = 2; i < 10; ++i) remaining_ = (remaining_ << 8) | header_[i];
    if (remaining_ >> 63) return fail("frame length with its top bit set");
  }
  inHeader_ = false;
  if (!isControl(opcode_)) inMessage_ = !fin_;
  control_.clear();
  return true;
}

bool WsFrameReader::feed(std::string_view chunk, WsFrameHandler& handler) {
  if (!error_.empty()) return false;
  std::size_t pos = 0;
  while (pos < chunk.size()) {
    // The server's usual frame, a short unfragmented text or binary message
    // (one delivery), whole in the chunk: handed up without the header's
    // general path. 0x81/0x82: FIN, no RSV bits; below 126: unmasked and a
    // 7-bit length.
    if (inHeader_ && have_ == 0 && !inMessage_ && chunk.size() - pos >= 2) {
      auto b0 = static_cast<std::uint8_t>(chunk[pos]);
      auto b1 = static_cast<std::uint8_t>(chunk[pos + 1]);
      if ((b0 == 0x81 || b0 == 0x82) && b1 < 126 && chunk.size() - pos - 2 >= b1) {
        pos += 2 + b1;
        if (!handler.onData(chunk.substr(pos - b1, b1), true)) return false;
        continue;
      }
    }
    if (inHeader_) {
      std::size_t take = std::min(need_ - have_, chunk.size() - pos);
      std::memcpy(header_ + have_, chunk.data() + pos, take);
      have_ += take;
      pos += take;
      if (have_ < need_) return true;
      if (!onHeaderBytes()) return false;
      if (inHeader_ || remaining_ > 0) continue;
      // An empty payload: the frame is whole already.
    }
    std::size_t take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, chunk.size() - pos));
    std::string_view piece = chunk.substr(pos, take);
    pos += take;
    remaining_ -= take;
    if (isControl(opcode_)) {
      control_.append(piece);
      if (remaining_ > 0) continue;
      nextFrame();
      if (!handler.onControl(opcode_, control_)) return false;
    } else {
      bool end = remaining_ == 0 && fin_;
      if (remaining_ == 0) nextFrame();
      if (!handler.onData(piece, end)) return false;
    }
  }
  return true;
}

}  // namespace linecast::bench
