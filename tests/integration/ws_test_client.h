#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include <gtest/gtest.h>

#include "test_client.h"
#include "test_util.h"

namespace linecast::test {

// WebSocket opcodes (RFC 6455 5.2), as bytes so that tests can also send
// the reserved ones.
namespace ws_op {
inline constexpr std::uint8_t kContinuation = 0x0;
inline constexpr std::uint8_t kText = 0x1;
inline constexpr std::uint8_t kBinary = 0x2;
inline constexpr std::uint8_t kClose = 0x8;
inline constexpr std::uint8_t kPing = 0x9;
inline constexpr std::uint8_t kPong = 0xA;
}  // namespace ws_op

// One frame as the server sent it.
struct WsFrame {
  bool fin = false;
  std::uint8_t rsv = 0;  // the three reserved bits, as 0-7
  bool masked = false;   // a server frame must never be
  std::uint8_t opcode = 0;
  std::string payload;

  // A close frame's code (nullopt when its payload is empty) and reason.
  std::optional<std::uint16_t> closeCode() const;
  std::string closeReason() const;
  std::string describe() const;
};

// How to build a client frame; the defaults make a valid one.
struct WsFrameOptions {
  bool fin = true;
  std::uint8_t rsv = 0;  // 0-7: RSV1 is 4, RSV2 2, RSV3 1
  bool mask = true;
  std::uint32_t maskKey = 0x37fa213d;
};

// The upgrade request; an empty field leaves its header out, `extra` holds
// more header lines (each ending in \r\n). The setters chain:
// WsUpgradeRequest().target("/ws?token=T").header("Origin: x").
struct WsUpgradeRequest {
  std::string method_ = "GET";
  std::string target_ = "/ws";
  std::string upgrade_ = "websocket";
  std::string connection_ = "Upgrade";
  std::string key_ = "dGhlIHNhbXBsZSBub25jZQ==";
  std::string version_ = "13";
  std::string extra_;

  WsUpgradeRequest& method(std::string v) { method_ = std::move(v); return *this; }
  WsUpgradeRequest& target(std::string v) { target_ = std::move(v); return *this; }
  WsUpgradeRequest& upgrade(std::string v) { upgrade_ = std::move(v); return *this; }
  WsUpgradeRequest& connection(std::string v) { connection_ = std::move(v); return *this; }
  WsUpgradeRequest& key(std::string v) { key_ = std::move(v); return *this; }
  WsUpgradeRequest& version(std::string v) { version_ = std::move(v); return *this; }
  // One more header line, without its CRLF.
  WsUpgradeRequest& header(std::string_view line) { extra_.append(line).append("\r\n"); return *this; }

  std::string text() const;
};

// An HTTP response's head (and its Content-Length body).
struct HttpResponse {
  int status = 0;
  std::string headers;  // "Name: value\n" lines, CRs dropped
  std::string body;
  bool hasHeader(std::string_view line) const;
};

// Reads a response's status line and headers, then its Content-Length body
// (none without one: an event stream's body stays unread).
std::optional<HttpResponse> readHttpResponse(TestClient& c, milliseconds timeout = kDefaultTimeout);
// One request on a new connection to the HTTP port, and its response.
std::optional<HttpResponse> httpExchange(std::uint16_t httpPort, std::string_view request);
// CLIENT LIST's text, asked over RESP on a connection to the main port.
std::optional<std::string> respClientList(TestClient& c);
// A value from GET /metrics, e.g. metricValue(port, "linecast_connections{protocol=\"ws\"}");
// nullopt when the request or the line is missing.
std::optional<long long> metricValue(std::uint16_t httpPort, std::string_view name);
// Polls metricValue until it equals `expected` (a gauge follows closes
// asynchronously); the failure shows the last value.
::testing::AssertionResult waitForMetric(std::uint16_t httpPort, std::string_view name, long long expected,
                                         milliseconds timeout = kDefaultTimeout);

// A raw WebSocket client for tests, on a TestClient's socket (so it runs
// through TLS in the suite's TLS pass): it sends any request and any frame,
// valid or not, and reads the server's frames with deadlines, never hanging.
class WsTestClient {
 public:
  // Sec-WebSocket-Accept for a key (RFC 6455 4.2.2: SHA-1, base64).
  static std::string acceptFor(std::string_view key);
  // A client frame's bytes.
  static std::string encodeFrame(std::uint8_t opcode, std::string_view payload,
                                 const WsFrameOptions& options = {});
  // A close frame's payload: the code (big-endian) and the reason.
  static std::string closePayload(std::uint16_t code, std::string_view reason = {});

  // TCP (and TLS) to the HTTP port, nothing sent.
  ::testing::AssertionResult open(std::uint16_t httpPort, const TestClient::Options& options = {});
  // open(), the request, then a 101 with the right Sec-WebSocket-Accept.
  ::testing::AssertionResult connect(std::uint16_t httpPort, const WsUpgradeRequest& request = {},
                                     const TestClient::Options& options = {});
  // The request's answer when it is not an upgrade (a refusal).
  std::optional<HttpResponse> readResponse(milliseconds timeout = kDefaultTimeout) {
    return readHttpResponse(tcp_, timeout);
  }
  // Checks the 101 in answer to a request sent with `key`.
  ::testing::AssertionResult expectSwitch(std::string_view key, milliseconds timeout = kDefaultTimeout);

  ::testing::AssertionResult sendRaw(std::string_view bytes) { return tcp_.send(bytes); }
  ::testing::AssertionResult sendFrame(std::uint8_t opcode, std::string_view payload,
                                       const WsFrameOptions& options = {}) {
    return tcp_.send(encodeFrame(opcode, payload, options));
  }
  ::testing::AssertionResult sendText(std::string_view text) { return sendFrame(ws_op::kText, text); }
  ::testing::AssertionResult sendBinary(std::string_view bytes) { return sendFrame(ws_op::kBinary, bytes); }
  ::testing::AssertionResult sendClose(std::uint16_t code, std::string_view reason = {}) {
    return sendFrame(ws_op::kClose, closePayload(code, reason));
  }

  // The next frame; nullopt on timeout, on close before a whole frame, or
  // when the frame is longer than maxPayload.
  std::optional<WsFrame> readFrame(milliseconds timeout = kDefaultTimeout,
                                   std::size_t maxPayload = 64u << 20);
  // The next frame must be a text frame holding exactly `text`.
  ::testing::AssertionResult expectText(std::string_view text, milliseconds timeout = kDefaultTimeout);
  // ... a binary frame holding exactly `bytes`.
  ::testing::AssertionResult expectBinary(std::string_view bytes, milliseconds timeout = kDefaultTimeout);
  // The next frame must be a close frame with this code (and reason, when
  // given), and then the server must close the TCP connection.
  ::testing::AssertionResult expectClose(std::uint16_t code, std::optional<std::string_view> reason = std::nullopt,
                                         milliseconds timeout = kDefaultTimeout);
  // The next frame must be a close frame without a payload, then TCP closes.
  ::testing::AssertionResult expectEmptyClose(milliseconds timeout = kDefaultTimeout);
  // Barrier: a text message "PING <text>", then the text frame "PONG <text>".
  ::testing::AssertionResult ping(std::string_view text = "sync", milliseconds timeout = kDefaultTimeout);
  // No frame (and no close) within the window.
  ::testing::AssertionResult expectNothing(milliseconds window = kQuietWindow) { return tcp_.expectNothing(window); }

  TestClient& tcp() { return tcp_; }

 private:
  TestClient tcp_;
};

}  // namespace linecast::test
