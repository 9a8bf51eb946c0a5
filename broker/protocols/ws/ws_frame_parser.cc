#include "protocols/ws/ws_frame_parser.h"

#include <cassert>
#include <cstring>

namespace linecast {

namespace {

// A reassembly buffer that grew past this for one big message is given
// back afterwards, so a connection that once sent a large fragmented
// message does not hold its size for good.
constexpr std::size_t kKeptMessageCapacity = 64 * 1024;

unsigned char byteAt(const RingBuffer& in, std::size_t offset) {
  return static_cast<unsigned char>(in.at(offset));
}

}  // namespace

void WsFrameParser::reset() {
  haveHeader_ = false;
  fragmenting_ = false;
  message_.clear();
  utf8_.reset();
  payload_ = {};
  closeReason_ = {};
  errorCode_ = 0;
  errorText_ = {};
}

WsFrameParser::Status WsFrameParser::fail(std::uint16_t code, std::string_view text) {
  errorCode_ = code;
  errorText_ = text;
  haveHeader_ = false;
  payload_ = {};
  return Status::kError;
}

WsFrameParser::Status WsFrameParser::next(const RingBuffer& in, std::span<char> scratch,
                                          std::size_t& frameLength) {
  if (errorCode_ != 0) return Status::kError;
  payload_ = {};
  compressed_ = false;
  closeCode_ = ws_close::kNoStatus;
  closeReason_ = {};
  // The last message handed up may still be viewed until this call, so its
  // buffer is only given back now.
  if (!fragmenting_ && message_.capacity() > kKeptMessageCapacity) std::string().swap(message_);

  if (!haveHeader_) {
    Status status = parseHeader(in);
    if (!haveHeader_) return status;
  }
  if (in.size() - header_.size < header_.length) return Status::kNeedMore;
  frameLength = header_.size + static_cast<std::size_t>(header_.length);
  haveHeader_ = false;
  return wsIsControl(header_.opcode) ? takeControl(in) : takeData(in, scratch);
}

// Each check runs as soon as the bytes it needs are in the ring, in the
// order of those bytes, so the verdict never depends on how the input was
// split into reads.
WsFrameParser::Status WsFrameParser::parseHeader(const RingBuffer& in) {
  const std::size_t avail = in.size();
  if (avail < 1) return Status::kNeedMore;
  const unsigned char b0 = byteAt(in, 0);
  const bool fin = (b0 & 0x80) != 0;
  const bool rsv1 = (b0 & 0x40) != 0;
  const unsigned op = b0 & 0x0F;
  if ((b0 & 0x30) != 0) return fail(ws_close::kProtocolError, "reserved bit set");
  if (op > 0xA || (op > 0x2 && op < 0x8)) return fail(ws_close::kProtocolError, "unknown opcode");
  const auto opcode = static_cast<WsOpcode>(op);
  const bool control = wsIsControl(opcode);
  // RFC 7692 6: RSV1 marks a compressed message, so it belongs on a data
  // message's first frame only.
  if (rsv1 && (!deflate_ || control || opcode == WsOpcode::kContinuation)) {
    return fail(ws_close::kProtocolError, "reserved bit set");
  }
  if (control && !fin) return fail(ws_close::kProtocolError, "fragmented control frame");
  if (opcode == WsOpcode::kContinuation && !fragmenting_) {
    return fail(ws_close::kProtocolError, "continuation frame without a message");
  }
  if (!control && opcode != WsOpcode::kContinuation && fragmenting_) {
    return fail(ws_close::kProtocolError, "new message inside a fragmented one");
  }

  if (avail < 2) return Status::kNeedMore;
  const unsigned char b1 = byteAt(in, 1);
  if ((b1 & 0x80) == 0) return fail(ws_close::kProtocolError, "unmasked client frame");
  std::uint64_t length = b1 & 0x7F;
  std::size_t size = 2;
  if (control && length > kWsMaxControlPayload) {
    return fail(ws_close::kProtocolError, "control frame over 125 bytes");
  }
  // RFC 6455 5.2: "the minimal number of bytes MUST be used to encode the
  // length"; linecast holds clients to it (docs/PROTOCOL.md, WebSocket).
  if (length == 126) {
    if (avail < 4) return Status::kNeedMore;
    length = std::uint64_t{byteAt(in, 2)} << 8 | byteAt(in, 3);
    size = 4;
    if (length < 126) return fail(ws_close::kProtocolError, "length not minimally encoded");
  } else if (length == 127) {
    if (avail < 10) return Status::kNeedMore;
    length = 0;
    for (std::size_t i = 2; i < 10; ++i) length = length << 8 | byteAt(in, i);
    size = 10;
    if ((length >> 63) != 0) return fail(ws_close::kProtocolError, "64-bit length with its top bit set");
    if (length <= 0xFFFF) return fail(ws_close::kProtocolError, "length not minimally encoded");
  }
  if (!control) {
    // The fragments so far count too: a message is bounded, not a frame.
    std::size_t held = fragmenting_ ? message_.size() : 0;
    if (length > maxMessage_ - held) return fail(ws_close::kTooBig, "message too big");
  }

  if (avail < size + 4) return Status::kNeedMore;
  for (std::size_t i = 0; i < 4; ++i) header_.mask[i] = byteAt(in, size + i);
  header_.fin = fin;
  header_.rsv1 = rsv1;
  header_.opcode = opcode;
  header_.length = length;
  header_.size = size + 4;
  haveHeader_ = true;
  return Status::kNeedMore;
}

void WsFrameParser::unmaskOut(const RingBuffer& in, char* out) const {
  const auto length = static_cast<std::size_t>(header_.length);
  // An empty payload may have no buffer at all (a zero-size scratch).
  if (length == 0) return;
  in.copyOut(header_.size, length, out);
  std::uint32_t key4;
  std::memcpy(&key4, header_.mask.data(), 4);
  // The key repeated in memory order, whatever the host's byte order.
  const std::uint64_t key8 = std::uint64_t{key4} << 32 | key4;
  std::size_t i = 0;
  for (; i + 8 <= length; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, out + i, 8);
    word ^= key8;
    std::memcpy(out + i, &word, 8);
  }
  for (; i < length; ++i) out[i] = static_cast<char>(out[i] ^ header_.mask[i & 3]);
}

WsFrameParser::Status WsFrameParser::takeControl(const RingBuffer& in) {
  unmaskOut(in, control_.data());
  opcode_ = header_.opcode;
  payload_ = std::string_view(control_.data(), static_cast<std::size_t>(header_.length));
  if (opcode_ != WsOpcode::kClose || payload_.empty()) return Status::kControl;
  if (payload_.size() == 1) return fail(ws_close::kProtocolError, "close frame with a 1-byte payload");
  auto code = static_cast<std::uint16_t>(static_cast<unsigned char>(payload_[0]) << 8 |
                                         static_cast<unsigned char>(payload_[1]));
  if (!wsValidCloseCode(code)) return fail(ws_close::kProtocolError, "invalid close code");
  std::string_view reason = payload_.substr(2);
  if (!utf8Valid(reason)) return fail(ws_close::kInvalidPayload, "close reason not UTF-8");
  closeCode_ = code;
  closeReason_ = reason;
  return Status::kControl;
}

WsFrameParser::Status WsFrameParser::takeData(const RingBuffer& in, std::span<char> scratch) {
  const auto length = static_cast<std::size_t>(header_.length);
  if (header_.opcode != WsOpcode::kContinuation) {
    messageOpcode_ = header_.opcode;
    messageCompressed_ = header_.rsv1;
    if (header_.fin) {
      // The common case, a message in one frame: unmasked straight into
      // the shared scratch buffer, no copy kept.
      assert(scratch.size() >= length);
      unmaskOut(in, scratch.data());
      std::string_view payload(scratch.data(), length);
      if (messageOpcode_ == WsOpcode::kText && !messageCompressed_ && !utf8Valid(payload)) {
        return fail(ws_close::kInvalidPayload, "invalid UTF-8 in a text message");
      }
      opcode_ = messageOpcode_;
      payload_ = payload;
      compressed_ = messageCompressed_;
      return Status::kMessage;
    }
    fragmenting_ = true;
    message_.clear();
    utf8_.reset();
  }
  const std::size_t held = message_.size();
  message_.resize(held + length);
  unmaskOut(in, message_.data() + held);
  const bool checkText = messageOpcode_ == WsOpcode::kText && !messageCompressed_;
  // Checked fragment by fragment, so invalid text is refused as soon as it
  // arrives (RFC 6455 8.1 allows failing fast), not after the whole message.
  if (checkText && !utf8_.feed(std::string_view(message_.data() + held, length))) {
    return fail(ws_close::kInvalidPayload, "invalid UTF-8 in a text message");
  }
  if (!header_.fin) return Status::kFragment;
  fragmenting_ = false;
  if (checkText && !utf8_.complete()) return fail(ws_close::kInvalidPayload, "invalid UTF-8 in a text message");
  opcode_ = messageOpcode_;
  payload_ = message_;
  compressed_ = messageCompressed_;
  return Status::kMessage;
}

}  // namespace linecast
