#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "protocols/ws/ws_frame.h"

namespace linecast {

// Turns the frames a WebSocket client sends into the byte stream their
// binary payloads carry, for a protocol that is a stream of its own (MQTT
// over WebSocket, MQTT 3.1.1 section 6): message boundaries mean nothing
// there, so a payload is handed on as it arrives, unmasked, without
// waiting for its frame or message to be whole. Only a header (at most 14
// bytes) and a control frame (at most 125) are held here.
//
// A text message is refused (1003), as MQTT's section 6 requires; a
// client frame that breaks RFC 6455 (no mask, a reserved bit or opcode, a
// control frame fragmented or over 125 bytes, a continuation with no
// message open, a new message inside one) is a protocol error (1002).
class WsStreamDecoder {
 public:
  // Where decoded bytes go: up to two spans (a ring's free space), filled
  // in order. The first may alias the bytes being decoded, provided it
  // starts at or before them: a payload byte is never written ahead of
  // where it was read.
  struct Output {
    std::span<char> first;
    std::span<char> second;
    std::size_t size = 0;  // bytes written so far
    std::size_t room() const { return first.size() + second.size() - size; }
  };

  enum class Stop {
    kNone,   // every byte was decoded
    kPing,   // a whole ping: controlPayload() is what the pong echoes
    kClose,  // the peer's close frame: nothing after it is read
    kError,  // errorCode(), errorText(); nothing after it is read
  };

  // Decodes from `in` until its end, or a stop, or `out` is full, and
  // returns the bytes consumed; stop() says why it stopped early. After
  // kClose or kError it consumes nothing more.
  std::size_t decode(const char* in, std::size_t n, Output& out);

  Stop stop() const { return stop_; }
  bool ended() const { return ended_; }
  std::string_view controlPayload() const { return {control_.data(), controlSize_}; }
  std::uint16_t errorCode() const { return errorCode_; }
  std::string_view errorText() const { return errorText_; }

 private:
  // The header in header_[0..headerSize_) is whole: checks it and starts
  // its payload. False on a violation (stop_ is kError).
  bool startFrame();
  bool fail(std::uint16_t code, std::string_view text);
  std::size_t headerWanted() const;
  // A control frame's payload is complete: what it means.
  void endControl();

  std::array<unsigned char, kWsMaxClientHeader> header_{};
  std::size_t headerSize_ = 0;
  bool inPayload_ = false;
  bool controlFrame_ = false;
  WsOpcode opcode_ = WsOpcode::kBinary;
  std::uint64_t remaining_ = 0;      // payload bytes of the current frame still to come
  std::array<unsigned char, 4> mask_{};
  std::size_t maskOffset_ = 0;
  bool messageOpen_ = false;         // a fragmented binary message is under way
  std::array<char, kWsMaxControlPayload> control_{};
  std::size_t controlSize_ = 0;
  Stop stop_ = Stop::kNone;
  bool ended_ = false;               // a close or an error: nothing more is read
  std::uint16_t errorCode_ = 0;
  std::string_view errorText_;
};

}  // namespace linecast
