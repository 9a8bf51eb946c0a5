#include "ws_test_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <thread>

namespace linecast::test {
namespace {

constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string opcodeName(std::uint8_t opcode) {
  switch (opcode) {
    case ws_op::kContinuation: return "continuation";
    case ws_op::kText: return "text";
    case ws_op::kBinary: return "binary";
    case ws_op::kClose: return "close";
    case ws_op::kPing: return "ping";
    case ws_op::kPong: return "pong";
    default: return "opcode " + std::to_string(opcode);
  }
}

}  // namespace

std::optional<std::uint16_t> WsFrame::closeCode() const {
  if (payload.size() < 2) return std::nullopt;
  return static_cast<std::uint16_t>(static_cast<unsigned char>(payload[0]) << 8 |
                                    static_cast<unsigned char>(payload[1]));
}

std::string WsFrame::closeReason() const { return payload.size() > 2 ? payload.substr(2) : std::string(); }

std::string WsFrame::describe() const {
  std::string out = opcodeName(opcode);
  if (!fin) out += " (not fin)";
  if (rsv != 0) out += " rsv=" + std::to_string(rsv);
  if (masked) out += " (masked)";
  if (opcode == ws_op::kClose) {
    auto code = closeCode();
    out += code ? " code " + std::to_string(*code) + " reason " + escapeBytes(closeReason()) : " without a code";
    if (payload.size() == 1) out += " (1-byte payload)";
  } else {
    out += " " + escapeBytes(payload);
  }
  return out;
}

std::string WsUpgradeRequest::text() const {
  std::string out = method_ + " " + target_ + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  if (!upgrade_.empty()) out += "Upgrade: " + upgrade_ + "\r\n";
  if (!connection_.empty()) out += "Connection: " + connection_ + "\r\n";
  if (!key_.empty()) out += "Sec-WebSocket-Key: " + key_ + "\r\n";
  if (!version_.empty()) out += "Sec-WebSocket-Version: " + version_ + "\r\n";
  out += extra_;
  out += "\r\n";
  return out;
}

bool HttpResponse::hasHeader(std::string_view line) const {
  std::string wanted = std::string(line) + "\n";
  return headers.find(wanted) != std::string::npos;
}

std::optional<HttpResponse> readHttpResponse(TestClient& c, milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  auto status = c.readLine(timeout);
  if (!status || status->rfind("HTTP/1.1 ", 0) != 0 || status->size() < 12) return std::nullopt;
  HttpResponse r;
  r.status = std::stoi(status->substr(9, 3));
  std::size_t length = 0;
  for (int i = 0; i < 100; ++i) {
    auto line = c.readLine(milliseconds(msUntil(deadline)));
    if (!line) return std::nullopt;
    if (!line->empty() && line->back() == '\r') line->pop_back();
    if (line->empty()) break;
    r.headers += *line + "\n";
    if (line->rfind("Content-Length: ", 0) == 0) length = std::stoul(line->substr(16));
  }
  if (length > 0) {
    auto body = c.readBytes(length, milliseconds(msUntil(deadline)));
    if (!body) return std::nullopt;
    r.body = *body;
  }
  return r;
}

std::optional<HttpResponse> httpExchange(std::uint16_t httpPort, std::string_view request) {
  TestClient c;
  if (!c.connect(httpPort) || !c.send(request)) return std::nullopt;
  return readHttpResponse(c);
}

std::optional<std::string> respClientList(TestClient& c) {
  if (!c.send(respCommand({"CLIENT", "LIST"}))) return std::nullopt;
  auto head = c.readLine();
  if (!head || head->size() < 2 || (*head)[0] != '$') return std::nullopt;
  auto text = c.readBytes(std::stoul(head->substr(1)) + 2);  // and the bulk's CRLF
  if (!text) return std::nullopt;
  text->resize(text->size() - 2);
  return text;
}

std::optional<long long> metricValue(std::uint16_t httpPort, std::string_view name) {
  auto r = httpExchange(httpPort, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n");
  if (!r || r->status != 200) return std::nullopt;
  std::string prefix = "\n" + std::string(name) + " ";
  std::size_t at = r->body.find(prefix);
  if (at == std::string::npos) return std::nullopt;
  return std::stoll(r->body.substr(at + prefix.size()));
}

::testing::AssertionResult waitForMetric(std::uint16_t httpPort, std::string_view name, long long expected,
                                         milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  std::optional<long long> last;
  for (int i = 0; i < 10'000; ++i) {
    last = metricValue(httpPort, name);
    if (last == expected) return ::testing::AssertionSuccess();
    if (Clock::now() >= deadline) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return ::testing::AssertionFailure() << name << " stayed " << (last ? std::to_string(*last) : "absent")
                                       << ", expected " << expected << " within " << timeout.count() << " ms";
}

std::string WsTestClient::acceptFor(std::string_view key) {
  std::string input = std::string(key) + std::string(kAcceptGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  unsigned char encoded[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(encoded, digest, static_cast<int>(size));
  return std::string(reinterpret_cast<const char*>(encoded), static_cast<std::size_t>(n));
}

std::string WsTestClient::encodeFrame(std::uint8_t opcode, std::string_view payload, const WsFrameOptions& options) {
  std::string out;
  out += static_cast<char>((options.fin ? 0x80 : 0) | (options.rsv & 7) << 4 | (opcode & 0x0F));
  const char maskBit = options.mask ? static_cast<char>(0x80) : 0;
  std::uint64_t length = payload.size();
  if (length < 126) {
    out += static_cast<char>(maskBit | static_cast<char>(length));
  } else if (length <= 0xFFFF) {
    out += static_cast<char>(maskBit | 126);
    out += static_cast<char>(length >> 8);
    out += static_cast<char>(length & 0xFF);
  } else {
    out += static_cast<char>(maskBit | 127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((length >> shift) & 0xFF);
  }
  if (!options.mask) return out.append(payload);
  char key[4];
  for (int i = 0; i < 4; ++i) key[i] = static_cast<char>((options.maskKey >> (24 - 8 * i)) & 0xFF);
  out.append(key, 4);
  for (std::size_t i = 0; i < payload.size(); ++i) out += static_cast<char>(payload[i] ^ key[i & 3]);
  return out;
}

std::string WsTestClient::closePayload(std::uint16_t code, std::string_view reason) {
  std::string out;
  out += static_cast<char>(code >> 8);
  out += static_cast<char>(code & 0xFF);
  return out.append(reason);
}

::testing::AssertionResult WsTestClient::open(std::uint16_t httpPort, const TestClient::Options& options) {
  return tcp_.connect(httpPort, options);
}

::testing::AssertionResult WsTestClient::connect(std::uint16_t httpPort, const WsUpgradeRequest& request,
                                                 const TestClient::Options& options) {
  auto opened = open(httpPort, options);
  if (!opened) return opened;
  auto sent = tcp_.send(request.text());
  if (!sent) return sent;
  return expectSwitch(request.key_);
}

::testing::AssertionResult WsTestClient::expectSwitch(std::string_view key, milliseconds timeout) {
  auto r = readResponse(timeout);
  if (!r) return ::testing::AssertionFailure() << "no HTTP response to the upgrade";
  if (r->status != 101) {
    return ::testing::AssertionFailure() << "upgrade answered " << r->status << ": " << escapeBytes(r->headers)
                                         << " " << escapeBytes(r->body);
  }
  for (std::string_view wanted : {std::string_view("Upgrade: websocket"), std::string_view("Connection: Upgrade")}) {
    if (!r->hasHeader(wanted)) {
      return ::testing::AssertionFailure() << "101 without " << wanted << ": " << escapeBytes(r->headers);
    }
  }
  std::string accept = "Sec-WebSocket-Accept: " + acceptFor(key);
  if (!r->hasHeader(accept)) {
    return ::testing::AssertionFailure() << "101 without " << accept << ": " << escapeBytes(r->headers);
  }
  return ::testing::AssertionSuccess();
}

std::optional<WsFrame> WsTestClient::readFrame(milliseconds timeout, std::size_t maxPayload) {
  auto deadline = Clock::now() + timeout;
  auto head = tcp_.readBytes(2, timeout);
  if (!head) return std::nullopt;
  WsFrame f;
  auto b0 = static_cast<unsigned char>((*head)[0]);
  auto b1 = static_cast<unsigned char>((*head)[1]);
  f.fin = (b0 & 0x80) != 0;
  f.rsv = static_cast<std::uint8_t>((b0 >> 4) & 7);
  f.opcode = static_cast<std::uint8_t>(b0 & 0x0F);
  f.masked = (b1 & 0x80) != 0;
  std::uint64_t length = b1 & 0x7F;
  if (length >= 126) {
    std::size_t bytes = length == 126 ? 2 : 8;
    auto ext = tcp_.readBytes(bytes, milliseconds(msUntil(deadline)));
    if (!ext) return std::nullopt;
    length = 0;
    for (char c : *ext) length = length << 8 | static_cast<unsigned char>(c);
  }
  if (length > maxPayload) return std::nullopt;
  std::string key;
  if (f.masked) {
    auto k = tcp_.readBytes(4, milliseconds(msUntil(deadline)));
    if (!k) return std::nullopt;
    key = *k;
  }
  if (length > 0) {
    auto payload = tcp_.readBytes(static_cast<std::size_t>(length), milliseconds(msUntil(deadline)));
    if (!payload) return std::nullopt;
    f.payload = std::move(*payload);
    if (f.masked) {
      for (std::size_t i = 0; i < f.payload.size(); ++i) f.payload[i] = static_cast<char>(f.payload[i] ^ key[i & 3]);
    }
  }
  return f;
}

namespace {

::testing::AssertionResult noFrame(TestClient& tcp, std::string_view wanted, milliseconds timeout) {
  auto failure = ::testing::AssertionFailure() << "expected " << wanted << " but ";
  if (tcp.peerClosed()) {
    failure << "the connection was closed";
  } else {
    failure << "no whole frame arrived within " << timeout.count() << " ms";
  }
  if (tcp.buffered() > 0) failure << " (" << tcp.buffered() << " bytes of a partial frame)";
  return failure;
}

::testing::AssertionResult expectData(WsTestClient& ws, std::uint8_t opcode, std::string_view payload,
                                      milliseconds timeout) {
  std::string wanted = opcodeName(opcode) + " " + escapeBytes(payload);
  auto f = ws.readFrame(timeout);
  if (!f) return noFrame(ws.tcp(), wanted, timeout);
  if (f->opcode != opcode || f->payload != payload || !f->fin || f->rsv != 0 || f->masked) {
    return ::testing::AssertionFailure() << "expected " << wanted << "\n     got " << f->describe();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace

::testing::AssertionResult WsTestClient::expectText(std::string_view text, milliseconds timeout) {
  return expectData(*this, ws_op::kText, text, timeout);
}

::testing::AssertionResult WsTestClient::expectBinary(std::string_view bytes, milliseconds timeout) {
  return expectData(*this, ws_op::kBinary, bytes, timeout);
}

::testing::AssertionResult WsTestClient::expectClose(std::uint16_t code, std::optional<std::string_view> reason,
                                                     milliseconds timeout) {
  std::string wanted = "close code " + std::to_string(code);
  if (reason) wanted += " reason " + escapeBytes(*reason);
  auto f = readFrame(timeout);
  if (!f) return noFrame(tcp_, wanted, timeout);
  if (f->opcode != ws_op::kClose || f->closeCode() != code || (reason && f->closeReason() != *reason) ||
      !f->fin || f->masked) {
    return ::testing::AssertionFailure() << "expected " << wanted << "\n     got " << f->describe();
  }
  auto closed = tcp_.expectClosed(timeout);
  if (!closed) return ::testing::AssertionFailure() << "after the close frame: " << closed.message();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult WsTestClient::expectEmptyClose(milliseconds timeout) {
  auto f = readFrame(timeout);
  if (!f) return noFrame(tcp_, "an empty close frame", timeout);
  if (f->opcode != ws_op::kClose || !f->payload.empty() || !f->fin || f->masked) {
    return ::testing::AssertionFailure() << "expected an empty close frame\n     got " << f->describe();
  }
  auto closed = tcp_.expectClosed(timeout);
  if (!closed) return ::testing::AssertionFailure() << "after the close frame: " << closed.message();
  return ::testing::AssertionSuccess();
}

::testing::AssertionResult WsTestClient::ping(std::string_view text, milliseconds timeout) {
  auto sent = sendText("PING " + std::string(text));
  if (!sent) return sent;
  return expectText("PONG " + std::string(text), timeout);
}

}  // namespace linecast::test
