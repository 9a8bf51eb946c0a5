#include "protocols/ws/ws_session.h"

#include "metrics.h"
#include "protocols/line/line_parser.h"  // forEachLine: a message holds lines
#include "protocols/line/line_session.h"
#include "protocols/ws/ws_frame_writer.h"
#include "protocols/ws/ws_utf8.h"

namespace linecast {
namespace {

// A line's frame: text when the bytes are UTF-8, as RFC 6455 requires of
// a text message, else binary, so that no payload is refused or altered.
WsOpcode opcodeFor(bool utf8) { return utf8 ? WsOpcode::kText : WsOpcode::kBinary; }

// The text after "-ERR ", as the close frame's reason.
std::string_view reasonOf(std::string_view line) {
  constexpr std::string_view kErr = "-ERR ";
  return line.starts_with(kErr) ? line.substr(kErr.size()) : line;
}

}  // namespace

// An idle connection gives its compressor back after this long (the next
// message starts a new one, which the client's window allows).
constexpr double kDeflateIdleRelease = 10;

WsSession::WsSession(LineProtocol& lines, Metrics& metrics, std::size_t maxMessage,
                     const WsDeflateParams* deflate)
    : lines_(lines), metrics_(metrics), parser_(maxMessage, deflate != nullptr) {
  if (deflate != nullptr) compression_ = std::make_unique<Compression>(*deflate, maxMessage);
}

void WsSession::onInput(Connection& conn, std::span<char> scratch, double now) {
  RingBuffer& in = conn.input();
  // A message is at most --max-line bytes, so one never overruns the fan-out
  // budget by much: it is checked between messages.
  while (conn.open() && !conn.fanoutSpent()) {
    std::size_t frameLength = 0;
    auto status = parser_.next(in, scratch, frameLength);
    if (status == WsFrameParser::Status::kNeedMore) break;
    if (status == WsFrameParser::Status::kError) {
      ++metrics_.protocolErrors;
      std::uint16_t code = parser_.errorCode();
      closeWith(conn, code == ws_close::kTooBig ? CloseReason::kLineTooLong : CloseReason::kProtocolError, code,
                parser_.errorText());
      return;
    }
    // The payload is out of the ring (unmasked), so the frame goes first.
    in.consume(frameLength);
    if (status == WsFrameParser::Status::kControl) control(conn);
    if (status == WsFrameParser::Status::kMessage) {
      std::string_view payload = parser_.payload();
      if (parser_.compressed() && !inflate(conn, payload)) return;
      message(conn, payload);
    }
  }
  if (!conn.open()) return;
  conn.inputWaiting = conn.fanoutSpent() && !in.empty();
  // A partial frame is timed like a partial line (--read-timeout).
  conn.notePartial(!in.empty() && !conn.inputWaiting, now);
}

bool WsSession::inflate(Connection& conn, std::string_view& payload) {
  WsInflater& inflater = compression_->inflater;
  auto result = inflater.inflate(payload);
  std::uint16_t code = 0;
  std::string_view why;
  if (result != WsInflater::Result::kOk) {
    code = WsInflater::closeCode(result);
    why = result == WsInflater::Result::kTooBig ? "message too big" : "invalid compressed data";
  } else if (parser_.opcode() == WsOpcode::kText && !utf8Valid(inflater.output())) {
    // The parser could not check a compressed text message's UTF-8.
    code = ws_close::kInvalidPayload;
    why = "invalid UTF-8";
  }
  if (code != 0) {
    ++metrics_.protocolErrors;
    closeWith(conn, code == ws_close::kTooBig ? CloseReason::kLineTooLong : CloseReason::kProtocolError, code, why);
    return false;
  }
  payload = inflater.output();
  return true;
}

void WsSession::message(Connection& conn, std::string_view payload) {
  forEachLine(payload, [&](std::string_view text) {
    if (conn.open()) lines_.executeLine(conn, *this, text);
  });
}

void WsSession::control(Connection& conn) {
  switch (parser_.opcode()) {
    case WsOpcode::kPing:
      conn.queue(WsControlFrame::pong(parser_.payload()).bytes());
      break;
    case WsOpcode::kClose: {
      // The closing handshake: answer with the peer's code, then close
      // once the answer is written.
      std::uint16_t code = parser_.closeCode();
      conn.queue(code == ws_close::kNoStatus ? WsControlFrame::closeEmpty().bytes()
                                             : WsControlFrame::close(code).bytes());
      conn.drain(CloseReason::kPeerClosed);
      break;
    }
    default:  // a pong: nothing to do
      break;
  }
}

bool WsSession::deliver(Connection& conn, const Delivery& message) {
  if (message.payloadUtf8 < 0) message.payloadUtf8 = utf8Valid(message.payload) ? 1 : 0;
  char header[kWsMaxServerHeader];
  if (compression_ != nullptr) {
    // The deflater takes the message whole: the line is joined first, in a
    // buffer the thread reuses.
    thread_local std::string joined;
    joined.assign(message.linePrefix).append(message.payload);
    auto encoded = compression_->deflater.encode(joined);
    std::size_t size = wsWriteHeader(opcodeFor(message.payloadUtf8 != 0), encoded.payload.size(), header,
                                     encoded.compressed);
    return conn.queue(std::string_view(header, size), encoded.payload);
  }
  std::size_t size = wsWriteHeader(opcodeFor(message.payloadUtf8 != 0),
                                   message.linePrefix.size() + message.payload.size(), header);
  return conn.queue(std::string_view(header, size), message.linePrefix, message.payload);
}

bool WsSession::line(Connection& conn, std::string_view a, std::string_view b, std::string_view c) {
  Utf8Validator utf8;
  utf8.feed(a);
  utf8.feed(b);
  utf8.feed(c);
  char header[kWsMaxServerHeader];
  std::size_t size = wsWriteHeader(opcodeFor(utf8.complete()), a.size() + b.size() + c.size(), header);
  return conn.queue(std::string_view(header, size), a, b, c);
}

void WsSession::fail(Connection& conn, CloseReason reason, std::string_view text) {
  if (!conn.open()) return;
  line(conn, text);
  closeWith(conn, reason, ws_close::kPolicyViolation, reasonOf(text));
}

void WsSession::close(Connection& conn, CloseReason reason) {
  closeWith(conn, reason, ws_close::kNormal, {});
}

void WsSession::closeWith(Connection& conn, CloseReason reason, std::uint16_t code, std::string_view text) {
  conn.queue(WsControlFrame::close(code, text).bytes());
  conn.drain(reason);
}

void WsSession::checkTimeouts(Connection& conn, double now) {
  lines_.checkTimeouts(conn, *this, now);
  if (compression_ != nullptr && conn.idleSeconds(now) >= kDeflateIdleRelease) compression_->deflater.release();
}

std::string_view WsSession::slowConsumerLine() const {
  static const WsControlFrame frame = WsControlFrame::close(ws_close::kPolicyViolation, "slow consumer");
  return frame.bytes();
}

// The HTTP session refused plaintext before any upgrade could happen.
void WsSession::refusePlaintext(Connection& conn) { conn.abort(CloseReason::kTlsRequired); }

void WsSession::describe(const Connection& conn, SessionDescription& out) const {
  out.protocol = "ws";
  describeLineSubscriptions(conn, out);
}

}  // namespace linecast
