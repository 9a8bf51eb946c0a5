#include "loadgen/ws_decoder.h"

#include <fmt/format.h>

namespace linecast::bench {

WsDecoder::WsDecoder(std::unique_ptr<Decoder> inner, bool lines, std::string expectedAccept,
                     WsSender& replies, std::size_t maxMessage)
    : inner_(std::move(inner)), lines_(lines), answer_(std::move(expectedAccept)),
      replies_(replies), maxMessage_(maxMessage) {}

bool WsDecoder::feed(std::string_view chunk, EventSink& sink) {
  std::size_t pos = 0;
  if (!upgraded_) {
    switch (answer_.feed(chunk, pos)) {
      case WsUpgradeAnswer::Status::kNeedMore: return true;
      case WsUpgradeAnswer::Status::kRefused: return fail(answer_.error());
      case WsUpgradeAnswer::Status::kAccepted:
        upgraded_ = true;
        sink.onEvent({EventType::kUpgraded, {}, {}, {}});
        break;
    }
  }
  sink_ = &sink;
  bool ok = frames_.feed(chunk.substr(pos), *this);
  sink_ = nullptr;
  if (!ok && error().empty()) return fail("WebSocket: " + frames_.error());
  return ok;
}

bool WsDecoder::innerFailed() { return fail(inner_->error()); }

bool WsDecoder::onData(std::string_view piece, bool end) {
  if (!lines_) return inner_->feed(piece, *sink_) || innerFailed();
  if (!gathering_ && end) return inner_->feedLine(piece, *sink_) || innerFailed();
  if (!gathering_) message_.clear();
  gathering_ = true;
  if (message_.size() + piece.size() > maxMessage_)
    return fail(fmt::format("WebSocket message over {} bytes", maxMessage_));
  message_.append(piece);
  if (!end) return true;
  gathering_ = false;
  return inner_->feedLine(message_, *sink_) || innerFailed();
}

bool WsDecoder::onControl(WsOpcode opcode, std::string_view payload) {
  switch (opcode) {
    case WsOpcode::kPing:
      replies_.queueControl(WsOpcode::kPong, payload);
      return true;
    case WsOpcode::kClose: {
      if (payload.size() < 2) return fail("the server closed the WebSocket (no code)");
      unsigned code = (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
      return fail(fmt::format("the server closed the WebSocket: {} {}", code, excerpt(payload.substr(2))));
    }
    default:
      return true;  // an unsolicited pong
  }
}

}  // namespace linecast::bench
