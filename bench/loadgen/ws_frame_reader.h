#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "loadgen/ws_frame.h"

namespace linecast::bench {

// What a WsFrameReader hands up. Returning false stops the reader (the
// handler failed; it knows why).
class WsFrameHandler {
 public:
  // The next piece of a text or binary message's payload, a view into the
  // chunk being fed (never copied). `end`: the message's last byte is in
  // it. A message comes in as many pieces as frames and chunks cut it into,
  // possibly empty ones.
  virtual bool onData(std::string_view piece, bool end) = 0;
  // A whole ping, pong or close frame (at most 125 bytes of payload).
  virtual bool onControl(WsOpcode opcode, std::string_view payload) = 0;

 protected:
  ~WsFrameHandler() = default;
};

// Parses the frames a WebSocket server sends (RFC 6455 section 5) from the
// stream in arbitrary chunks. Server frames are unmasked, so a data
// payload is handed up in place; only a frame header split across chunks
// (at most 10 bytes) and a control frame (at most 125) are gathered here.
//
// Checked, as a client must: no mask bit, no RSV bits (no extension is
// negotiated), known opcodes, control frames whole (FIN) and short, a
// continuation only inside a fragmented message and a new message only
// outside one, a 64-bit length's top bit clear. The first violation fails
// the stream for good.
class WsFrameReader {
 public:
  bool feed(std::string_view chunk, WsFrameHandler& handler);
  const std::string& error() const { return error_; }

 private:
  // The header's bytes so far are header_[0..have_); decodes them once
  // need_ bytes are there (2, then 4 or 10 with an extended length).
  bool onHeaderBytes();
  bool fail(std::string why);
  void nextFrame() { have_ = 0, need_ = 2, inHeader_ = true; }

  unsigned char header_[10] = {};
  std::size_t have_ = 0;
  std::size_t need_ = 2;
  bool inHeader_ = true;
  WsOpcode opcode_ = WsOpcode::kContinuation;
  bool fin_ = false;
  std::uint64_t remaining_ = 0;  // payload bytes of the current frame still to come
  bool inMessage_ = false;       // a fragmented data message is open
  std::string control_;          // the control frame being gathered
  std::string error_;
};

}  // namespace linecast::bench
