#include "protocols/ws/ws_handshake.h"

#include <openssl/evp.h>

#include "auth/base64.h"

namespace linecast {

namespace {

// RFC 6455 1.3: proves the server read this key as a WebSocket server.
constexpr std::string_view kAcceptGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
    if (x != y) return false;
  }
  return true;
}

// Calls onToken(trimmed token) for each comma-separated element until it
// returns true; returns whether one did.
template <class OnToken>
bool anyToken(std::string_view value, OnToken&& onToken) {
  while (true) {
    std::size_t comma = value.find(',');
    if (onToken(trim(value.substr(0, comma)))) return true;
    if (comma == std::string_view::npos) return false;
    value.remove_prefix(comma + 1);
  }
}

WsUpgradeVerdict refuse(int status, std::string_view reason, std::string_view header = {}) {
  WsUpgradeVerdict verdict;
  verdict.status = status;
  verdict.reason = reason;
  verdict.header = header;
  return verdict;
}

}  // namespace

bool headerHasToken(std::string_view value, std::string_view token) {
  return anyToken(value, [&](std::string_view t) { return equalsIgnoreCase(t, token); });
}

std::string wsAcceptValue(std::string_view key) {
  std::string input;
  input.reserve(key.size() + kAcceptGuid.size());
  input.append(key).append(kAcceptGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(input.data(), input.size(), digest, &size, EVP_sha1(), nullptr);
  return base64Encode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

WsUpgradeVerdict checkWsUpgrade(const WsUpgradeRequest& request,
                                std::span<const std::string> allowedOrigins) {
  if (request.method != "GET") return refuse(405, "a WebSocket upgrade is a GET", "Allow: GET");
  if (!headerHasToken(request.upgrade, "websocket")) return refuse(400, "no Upgrade: websocket");
  if (!headerHasToken(request.connection, "upgrade")) return refuse(400, "no Connection: upgrade");
  if (trim(request.version) != "13") {
    return refuse(426, "unsupported Sec-WebSocket-Version", "Sec-WebSocket-Version: 13");
  }
  std::string_view key = trim(request.key);
  auto nonce = base64Decode(key);
  if (!nonce || nonce->size() != 16) return refuse(400, "invalid Sec-WebSocket-Key");
  std::string_view origin = trim(request.origin);
  if (!origin.empty() && !allowedOrigins.empty()) {
    bool allowed = false;
    for (const std::string& o : allowedOrigins) allowed = allowed || equalsIgnoreCase(o, origin);
    if (!allowed) return refuse(403, "origin not allowed");
  }
  WsUpgradeVerdict verdict;
  verdict.accept = wsAcceptValue(key);
  return verdict;
}

std::string_view selectWsSubprotocol(std::string_view offered,
                                     std::span<const std::string_view> supported) {
  std::string_view chosen;
  anyToken(offered, [&](std::string_view t) {
    for (std::string_view s : supported) {
      if (!t.empty() && t == s) {
        chosen = s;
        return true;
      }
    }
    return false;
  });
  return chosen;
}

std::string wsUpgradeResponse(std::string_view accept, std::string_view subprotocol,
                              std::string_view extensions) {
  std::string out =
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Accept: ";
  out.append(accept).append("\r\n");
  if (!subprotocol.empty()) out.append("Sec-WebSocket-Protocol: ").append(subprotocol).append("\r\n");
  if (!extensions.empty()) out.append("Sec-WebSocket-Extensions: ").append(extensions).append("\r\n");
  out.append("\r\n");
  return out;
}

}  // namespace linecast
