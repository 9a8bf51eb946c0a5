#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <string_view>

#include "net/connection.h"
#include "net/session.h"
#include "protocols/line/line_output.h"
#include "protocols/line/line_protocol.h"
#include "protocols/ws/ws_deflate_offer.h"
#include "protocols/ws/ws_deflater.h"
#include "protocols/ws/ws_frame_parser.h"
#include "protocols/ws/ws_inflater.h"

namespace linecast {

struct Metrics;

// The line protocol over WebSocket (GET /ws, docs/PROTOCOL.md "WebSocket"):
// a client message holds one or more lines, which the thread's LineProtocol
// executes as it does a TCP connection's; each line the server sends (a
// MSG, a reply, an error) is one message: a text frame when it is valid
// UTF-8, else a binary one. The HTTP session hands the connection over
// after the 101.
//
// It is the LineOutput of its own lines, so a fatal error is its line and
// then a close frame with 1008, and QUIT's "+OK bye" is followed by 1000.
//
// With permessage-deflate agreed, compressed client messages are inflated
// (bounded by the message limit, then checked for UTF-8), and deliveries
// are compressed in this connection's own stream; replies go uncompressed
// (RFC 7692 lets each message choose).
class WsSession final : public Session, private LineOutput {
 public:
  // `deflate`: the agreed permessage-deflate parameters, or null.
  WsSession(LineProtocol& lines, Metrics& metrics, std::size_t maxMessage,
            const WsDeflateParams* deflate = nullptr);

  SessionKind kind() const override { return SessionKind::kWs; }
  void onInput(Connection& conn, std::span<char> scratch, double now) override;
  bool deliver(Connection& conn, const Delivery& message) override;
  void checkTimeouts(Connection& conn, double now) override;
  std::string_view slowConsumerLine() const override;
  void refusePlaintext(Connection& conn) override;
  void describe(const Connection& conn, SessionDescription& out) const override;

  // The most input the parser may leave unconsumed (Connection::setMaxPending).
  std::size_t maxPending() const { return parser_.maxPending(); }

 private:
  using LineOutput::line;
  bool line(Connection& conn, std::string_view a, std::string_view b, std::string_view c) override;
  void fail(Connection& conn, CloseReason reason, std::string_view line) override;
  void close(Connection& conn, CloseReason reason) override;

  void control(Connection& conn);
  void message(Connection& conn, std::string_view payload);
  // Sends a close frame and ends the connection once it is written.
  void closeWith(Connection& conn, CloseReason reason, std::uint16_t code, std::string_view text);

  // Inflates a compressed message; false when the connection was closed.
  bool inflate(Connection& conn, std::string_view& payload);

  struct Compression {
    Compression(const WsDeflateParams& params, std::size_t maxMessage)
        : inflater(params, maxMessage), deflater(params) {}
    WsInflater inflater;
    WsDeflater deflater;
  };

  LineProtocol& lines_;
  Metrics& metrics_;
  WsFrameParser parser_;
  std::unique_ptr<Compression> compression_;  // null: no permessage-deflate
};

}  // namespace linecast
