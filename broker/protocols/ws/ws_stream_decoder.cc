#include "protocols/ws/ws_stream_decoder.h"

#include <algorithm>

namespace linecast {

namespace {

// Unmasks `n` bytes from `in` into `out`, continuing the mask at `offset`.
// Reads run ahead of writes when they alias, so a forward copy is safe.
void unmask(const char* in, std::size_t n, char* out, const std::array<unsigned char, 4>& mask,
            std::size_t& offset) {
  for (std::size_t k = 0; k < n; ++k) {
    out[k] = static_cast<char>(static_cast<unsigned char>(in[k]) ^ mask[offset & 3]);
    ++offset;
  }
}

}  // namespace

bool WsStreamDecoder::fail(std::uint16_t code, std::string_view text) {
  stop_ = Stop::kError;
  ended_ = true;
  errorCode_ = code;
  errorText_ = text;
  return false;
}

std::size_t WsStreamDecoder::headerWanted() const {
  if (headerSize_ < 2) return 2;
  unsigned length = header_[1] & 0x7F;
  // Every client frame is masked (decode() refuses one that is not).
  return 2 + (length == 126 ? 2 : length == 127 ? 8 : 0) + 4;
}

bool WsStreamDecoder::startFrame() {
  unsigned char first = header_[0];
  bool fin = (first & 0x80) != 0;
  if ((first & 0x70) != 0) return fail(ws_close::kProtocolError, "reserved bit set");
  auto opcode = static_cast<WsOpcode>(first & 0x0F);
  std::size_t at = 2;
  std::uint64_t length = header_[1] & 0x7F;
  if (length >= 126) {
    std::size_t bytes = length == 126 ? 2 : 8;
    length = 0;
    for (std::size_t k = 0; k < bytes; ++k) length = (length << 8) | header_[at + k];
    at += bytes;
    if (length >> 63) return fail(ws_close::kProtocolError, "frame length over 2^63");
  }
  std::copy_n(header_.begin() + static_cast<std::ptrdiff_t>(at), 4, mask_.begin());
  maskOffset_ = 0;
  controlFrame_ = wsIsControl(opcode);
  if (controlFrame_) {
    if (opcode != WsOpcode::kClose && opcode != WsOpcode::kPing && opcode != WsOpcode::kPong) {
      return fail(ws_close::kProtocolError, "unknown opcode");
    }
    if (!fin) return fail(ws_close::kProtocolError, "fragmented control frame");
    if (length > kWsMaxControlPayload) return fail(ws_close::kProtocolError, "control frame over 125 bytes");
    controlSize_ = 0;
  } else if (opcode == WsOpcode::kContinuation) {
    if (!messageOpen_) return fail(ws_close::kProtocolError, "continuation without a message");
  } else if (messageOpen_) {
    return fail(ws_close::kProtocolError, "new message inside a fragmented one");
  } else if (opcode == WsOpcode::kText) {
    // MQTT 3.1.1 section 6: a text frame closes the connection.
    return fail(1003, "text frame: MQTT over WebSocket is binary");
  } else if (opcode != WsOpcode::kBinary) {
    return fail(ws_close::kProtocolError, "unknown opcode");
  }
  if (!controlFrame_) messageOpen_ = !fin;
  opcode_ = opcode;
  remaining_ = length;
  headerSize_ = 0;
  inPayload_ = true;
  return true;
}

void WsStreamDecoder::endControl() {
  inPayload_ = false;
  if (opcode_ == WsOpcode::kPing) {
    stop_ = Stop::kPing;
  } else if (opcode_ == WsOpcode::kClose) {
    if (controlSize_ == 1) {
      fail(ws_close::kProtocolError, "close frame of one byte");
      return;
    }
    if (controlSize_ >= 2) {
      auto code = static_cast<std::uint16_t>((static_cast<unsigned char>(control_[0]) << 8) |
                                             static_cast<unsigned char>(control_[1]));
      if (!wsValidCloseCode(code)) {
        fail(ws_close::kProtocolError, "invalid close code");
        return;
      }
    }
    stop_ = Stop::kClose;
    ended_ = true;
  }
}

std::size_t WsStreamDecoder::decode(const char* in, std::size_t n, Output& out) {
  stop_ = Stop::kNone;
  std::size_t i = 0;
  while (i < n && !ended_) {
    if (!inPayload_) {
      header_[headerSize_++] = static_cast<unsigned char>(in[i++]);
      // Refused from its second byte: an unmasked frame has no key to wait for.
      if (headerSize_ == 2 && (header_[1] & 0x80) == 0) {
        fail(ws_close::kProtocolError, "client frame not masked");
        return i;
      }
      if (headerSize_ < headerWanted()) continue;
      if (!startFrame()) return i;
    } else if (controlFrame_) {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - i));
      unmask(in + i, take, control_.data() + controlSize_, mask_, maskOffset_);
      controlSize_ += take;
      remaining_ -= take;
      i += take;
    } else {
      auto take = static_cast<std::size_t>(std::min<std::uint64_t>(remaining_, n - i));
      take = std::min(take, out.room());
      if (take == 0) return i;  // the output is full
      std::size_t done = 0;
      while (done < take) {
        bool inFirst = out.size < out.first.size();
        char* to = inFirst ? out.first.data() + out.size : out.second.data() + (out.size - out.first.size());
        std::size_t span = inFirst ? out.first.size() - out.size : out.second.size() - (out.size - out.first.size());
        std::size_t chunk = std::min(span, take - done);
        unmask(in + i + done, chunk, to, mask_, maskOffset_);
        out.size += chunk;
        done += chunk;
      }
      remaining_ -= take;
      i += take;
    }
    if (inPayload_ && remaining_ == 0) {
      inPayload_ = false;
      if (controlFrame_) {
        endControl();
        if (stop_ != Stop::kNone) return i;
      }
    }
  }
  return i;
}

}  // namespace linecast
