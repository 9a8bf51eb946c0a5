#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace linecast::bench {

// The client's half of the WebSocket opening handshake (RFC 6455 4.1):
// the GET request it sends and the check of the server's 101 answer.

// A fresh Sec-WebSocket-Key: the base64 of 16 random bytes.
std::string makeWsKey();
// What the server must answer in Sec-WebSocket-Accept for `key`: the base64
// of the SHA-1 of the key and the RFC's GUID.
std::string wsAcceptFor(std::string_view key);
// host: the Host header ("127.0.0.1:7401"); path: "/ws", "/".
std::string wsUpgradeRequest(std::string_view host, std::string_view path, std::string_view key);

// Reads the server's answer to the upgrade from the stream, in whatever
// chunks it arrives. Frames may follow the answer in the same chunk (NATS
// sends its INFO at once), so feed() says where the answer ended.
class WsUpgradeAnswer {
 public:
  enum class Status { kNeedMore, kAccepted, kRefused };

  explicit WsUpgradeAnswer(std::string expectedAccept) : expected_(std::move(expectedAccept)) {}

  // Looks at chunk[pos..]. kAccepted: pos is just past the answer's blank
  // line. kNeedMore: all of it was kept (pos == chunk.size()). kRefused:
  // error() says why (a status other than 101, a wrong accept value, a
  // missing header, an answer over 16 KiB).
  Status feed(std::string_view chunk, std::size_t& pos);
  const std::string& error() const { return error_; }

 private:
  Status check();
  Status refuse(std::string why);

  std::string expected_;
  std::string head_;  // the answer so far
  std::string error_;
};

}  // namespace linecast::bench
