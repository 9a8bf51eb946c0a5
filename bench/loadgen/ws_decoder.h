#pragma once

#include <memory>
#include <string>

#include "loadgen/protocol.h"
#include "loadgen/ws_frame_reader.h"
#include "loadgen/ws_sender.h"
#include "loadgen/ws_upgrade.h"

namespace linecast::bench {

// A protocol's decoder behind WebSocket: reads the server's answer to the
// upgrade (kUpgraded once it is a valid 101), then its frames, and hands
// the messages' payloads to the protocol's own decoder.
//
//  - lines (linecast over WebSocket): every server message is exactly one
//    line without its "\n" (MSG, PONG, -ERR), given to inner.feedLine().
//    A message whole in one chunk is decoded in place; only one split
//    across chunks or fragments is gathered first (at most maxMessage).
//  - stream (NATS over WebSocket): the payloads, concatenated, are the
//    protocol's byte stream, fed to inner.feed() piece by piece.
//
// A ping is answered with a pong through `replies`; a close frame ends the
// stream (a load run never expects the server to leave).
class WsDecoder final : public Decoder, private WsFrameHandler {
 public:
  WsDecoder(std::unique_ptr<Decoder> inner, bool lines, std::string expectedAccept,
            WsSender& replies, std::size_t maxMessage);

  bool feed(std::string_view chunk, EventSink& sink) override;

 private:
  bool onData(std::string_view piece, bool end) override;
  bool onControl(WsOpcode opcode, std::string_view payload) override;
  bool innerFailed();

  std::unique_ptr<Decoder> inner_;
  bool lines_;
  WsUpgradeAnswer answer_;
  bool upgraded_ = false;
  WsFrameReader frames_;
  WsSender& replies_;
  std::size_t maxMessage_;
  std::string message_;      // lines: a message split across chunks or frames
  bool gathering_ = false;   // message_ holds the start of the current message
  EventSink* sink_ = nullptr;  // set during feed()
};

}  // namespace linecast::bench
