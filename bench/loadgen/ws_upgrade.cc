#include "loadgen/ws_upgrade.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

#include "loadgen/protocol.h"

namespace linecast::bench {
namespace {

constexpr std::string_view kGuid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
// An upgrade answer is a status line and a handful of headers.
constexpr std::size_t kMaxAnswer = 16 * 1024;

std::string base64(const unsigned char* bytes, std::size_t n) {
  std::string out(4 * ((n + 2) / 3), '\0');
  int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(n));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool equalsNoCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && startsWithNoCase(a, b);
}

// A comma-separated header value holds `token` (Connection: keep-alive, Upgrade).
bool hasToken(std::string_view value, std::string_view token) {
  while (!value.empty()) {
    std::size_t comma = value.find(',');
    if (equalsNoCase(trim(value.substr(0, comma)), token)) return true;
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return false;
}

}  // namespace

std::string makeWsKey() {
  unsigned char nonce[16];
  if (RAND_bytes(nonce, sizeof nonce) != 1) throw std::runtime_error("RAND_bytes failed");
  return base64(nonce, sizeof nonce);
}

std::string wsAcceptFor(std::string_view key) {
  std::string text = std::string(key).append(kGuid);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr);
  return base64(digest, length);
}

std::string wsUpgradeRequest(std::string_view host, std::string_view path, std::string_view key) {
  return fmt::format(
      "GET {} HTTP/1.1\r\nHost: {}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
      "Sec-WebSocket-Key: {}\r\nSec-WebSocket-Version: 13\r\n\r\n",
      path, host, key);
}

WsUpgradeAnswer::Status WsUpgradeAnswer::refuse(std::string why) {
  error_ = std::move(why);
  return Status::kRefused;
}

WsUpgradeAnswer::Status WsUpgradeAnswer::feed(std::string_view chunk, std::size_t& pos) {
  std::size_t before = head_.size();
  // Take at most what could still be part of the answer; the rest is frames.
  std::size_t take = std::min(chunk.size() - pos, kMaxAnswer + 4 - before);
  head_.append(chunk.substr(pos, take));
  std::size_t end = head_.find("\r\n\r\n", before >= 3 ? before - 3 : 0);
  if (end == std::string::npos) {
    pos += take;
    if (head_.size() > kMaxAnswer) return refuse("upgrade answer over 16 KiB without its end");
    return Status::kNeedMore;
  }
  pos += end + 4 - before;
  head_.resize(end + 2);  // keep the last header's "\r\n"
  return check();
}

WsUpgradeAnswer::Status WsUpgradeAnswer::check() {
  std::string_view rest = head_;
  std::size_t eol = rest.find("\r\n");
  std::string_view status = rest.substr(0, eol);
  rest.remove_prefix(eol + 2);
  // "HTTP/1.1 101 Switching Protocols"; the reason phrase is free text.
  if (!startsWithNoCase(status, "HTTP/1.1 101") || (status.size() > 12 && status[12] != ' '))
    return refuse("upgrade refused: " + excerpt(status));
  bool upgrade = false, connection = false, accepted = false;
  while (!rest.empty()) {
    eol = rest.find("\r\n");
    std::string_view line = rest.substr(0, eol);
    rest.remove_prefix(eol + 2);
    std::size_t colon = line.find(':');
    if (colon == std::string_view::npos) return refuse("malformed header in the upgrade answer: " + excerpt(line));
    std::string_view name = trim(line.substr(0, colon));
    std::string_view value = trim(line.substr(colon + 1));
    if (equalsNoCase(name, "Upgrade")) {
      upgrade = equalsNoCase(value, "websocket");
    } else if (equalsNoCase(name, "Connection")) {
      connection = hasToken(value, "Upgrade");
    } else if (equalsNoCase(name, "Sec-WebSocket-Accept")) {
      if (value != expected_)
        return refuse(fmt::format("wrong Sec-WebSocket-Accept '{}', expected '{}'", excerpt(value), expected_));
      accepted = true;
    } else if (equalsNoCase(name, "Sec-WebSocket-Extensions")) {
      // We offered none (section 4.1: the client must then fail).
      return refuse("the server chose an extension the client did not offer: " + excerpt(value));
    }
  }
  if (!upgrade) return refuse("upgrade answer without 'Upgrade: websocket'");
  if (!connection) return refuse("upgrade answer without 'Connection: Upgrade'");
  if (!accepted) return refuse("upgrade answer without Sec-WebSocket-Accept");
  return Status::kAccepted;
}

}  // namespace linecast::bench
