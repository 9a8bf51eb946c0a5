#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "net/ring_buffer.h"
#include "protocols/ws/ws_frame.h"
#include "protocols/ws/ws_utf8.h"

namespace linecast {

// Parses the frames a WebSocket client sends (RFC 6455 section 5) at the
// front of a connection's input ring, and hands up whole messages.
//
//   ring:  |82 85|37 fa 21 3d|7f 9f 4d 51 58|81 03 ...
//          |hdr  |masking key|masked payload|next frame (partial)
//          |<------- frameLength ---------->|
//
// It is resumable: a frame stays in the ring until it is whole, and the
// parser remembers its decoded header meanwhile, so a frame that arrives
// one byte per read is decoded once. Every check that a header's bytes
// allow is made as soon as those bytes are there, so an oversized message
// is refused from its length, before its payload is read.
//
// Payloads are masked, so they can never be views into the ring: the
// parser unmasks them while copying out. An unfragmented text or binary
// message goes into the caller's scratch buffer (maxMessage bytes, shared
// by all connections, as the line protocol's is); a control frame into a
// small buffer of the parser's; the fragments of a fragmented message are
// appended to a buffer the parser keeps and reuses, so nothing is
// allocated per message once it has grown (one that grew past 64 KiB is
// given back before the next frame).
//
// Control frames may arrive between the fragments of a message and are
// handed up at once. A close frame's code and reason are checked and
// decoded. Any violation is kError with the close code the connection must
// close with (1002, 1007 or 1009) and a short text for the log; the parser
// then stays failed.
//
// With permessage-deflate (RFC 7692) negotiated, RSV1 may be set on a data
// message's first frame; such a message is handed up compressed
// (compressed()) and its UTF-8 is not checked here: the caller inflates
// it, then bounds and checks it.
class WsFrameParser {
 public:
  enum class Status {
    kMessage,   // a whole text or binary message: opcode(), payload()
    kControl,   // a ping, pong or close frame: opcode(), payload(), closeCode()
    kFragment,  // a fragment went into the message buffer; nothing to hand up
    kNeedMore,  // the next frame is not whole yet (nothing to consume)
    kError,     // errorCode(), errorText(); close the connection
  };

  WsFrameParser(std::size_t maxMessage, bool deflateNegotiated = false)
      : maxMessage_(maxMessage), deflate_(deflateNegotiated) {}

  // On kMessage, kControl and kFragment, frameLength is the bytes to
  // consume() from the ring. The payload is never in the ring, so the
  // caller may consume before using it; it stays valid until the next call.
  Status next(const RingBuffer& in, std::span<char> scratch, std::size_t& frameLength);

  WsOpcode opcode() const { return opcode_; }
  std::string_view payload() const { return payload_; }
  bool compressed() const { return compressed_; }
  // For a close frame: its code (1005 when it has none) and reason.
  std::uint16_t closeCode() const { return closeCode_; }
  std::string_view closeReason() const { return closeReason_; }

  std::uint16_t errorCode() const { return errorCode_; }
  std::string_view errorText() const { return errorText_; }

  std::size_t maxMessage() const { return maxMessage_; }
  // The most bytes next() leaves unconsumed in the ring (one partial frame),
  // so the connection can size its input ring to never fill up. A control
  // frame may be longer than a small maxMessage allows a data frame to be.
  std::size_t maxPending() const {
    return std::max(maxMessage_, kWsMaxControlPayload) + kWsMaxClientHeader;
  }
  // Whether a fragmented message is open (its first frame taken, not its last).
  bool inMessage() const { return fragmenting_; }

  // Forgets any partial frame and message (after the caller discarded the input).
  void reset();

 private:
  struct Header {
    bool fin = false;
    bool rsv1 = false;
    WsOpcode opcode = WsOpcode::kContinuation;
    std::uint64_t length = 0;
    std::size_t size = 0;  // header bytes, masking key included
    std::array<unsigned char, 4> mask{};
  };

  Status parseHeader(const RingBuffer& in);
  Status takeControl(const RingBuffer& in);
  Status takeData(const RingBuffer& in, std::span<char> scratch);
  Status fail(std::uint16_t code, std::string_view text);
  void unmaskOut(const RingBuffer& in, char* out) const;

  std::size_t maxMessage_;
  bool deflate_;
  bool haveHeader_ = false;  // header_ holds the next frame's decoded header
  Header header_;

  // The fragmented message being assembled.
  bool fragmenting_ = false;
  WsOpcode messageOpcode_ = WsOpcode::kText;
  bool messageCompressed_ = false;
  std::string message_;
  Utf8Validator utf8_;

  // What the last call handed up.
  WsOpcode opcode_ = WsOpcode::kText;
  std::string_view payload_;
  bool compressed_ = false;
  std::uint16_t closeCode_ = ws_close::kNoStatus;
  std::string_view closeReason_;
  std::array<char, kWsMaxControlPayload> control_{};

  std::uint16_t errorCode_ = 0;
  std::string_view errorText_;
};

}  // namespace linecast
