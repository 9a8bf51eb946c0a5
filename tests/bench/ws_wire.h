#pragma once

#include <sys/socket.h>
#include <unistd.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace linecast::bench::testing {

// The server's side of WebSocket framing, written independently of the
// loadgen's client code, so tests check one against the other: server
// frames (unmasked) built byte by byte, client frames (masked) parsed and
// unmasked byte by byte.

inline std::string serverFrame(std::uint8_t opcode, std::string_view payload, bool fin = true) {
  std::string out;
  out += static_cast<char>((fin ? 0x80 : 0) | opcode);
  std::uint64_t n = payload.size();
  if (n < 126) {
    out += static_cast<char>(n);
  } else if (n < 65536) {
    out += static_cast<char>(126);
    out += static_cast<char>(n >> 8);
    out += static_cast<char>(n & 0xFF);
  } else {
    out += static_cast<char>(127);
    for (int shift = 56; shift >= 0; shift -= 8) out += static_cast<char>((n >> shift) & 0xFF);
  }
  out.append(payload);
  return out;
}

struct ClientFrame {
  std::uint8_t opcode;
  bool fin;
  std::string payload;
  bool operator==(const ClientFrame&) const = default;
};

// Parses whole masked client frames off the front of `bytes` into `out`;
// returns the bytes consumed (a partial frame at the end is left). A frame
// without the mask bit, or with a non-minimal length, is recorded with
// opcode 0xFF so the test fails on it.
inline std::size_t parseClientFrames(std::string_view bytes, std::vector<ClientFrame>& out) {
  std::size_t pos = 0;
  while (bytes.size() - pos >= 2) {
    auto at = [&](std::size_t i) { return static_cast<std::uint8_t>(bytes[pos + i]); };
    std::uint8_t b0 = at(0), b1 = at(1);
    std::uint64_t n = b1 & 0x7F;
    std::size_t header = 2;
    if (n == 126) header = 4;
    if (n == 127) header = 10;
    if (bytes.size() - pos < header + 4) break;
    if (header == 4) n = (std::uint64_t{at(2)} << 8) | at(3);
    if (header == 10) {
      n = 0;
      for (std::size_t i = 2; i < 10; ++i) n = (n << 8) | at(i);
    }
    bool minimal = header == 2 || (header == 4 && n >= 126) || (header == 10 && n > 65535);
    if (bytes.size() - pos < header + 4 + n) break;
    std::string payload(bytes.substr(pos + header + 4, n));
    for (std::size_t i = 0; i < payload.size(); ++i)
      payload[i] = static_cast<char>(payload[i] ^ bytes[pos + header + (i % 4)]);
    bool masked = (b1 & 0x80) != 0;
    out.push_back({masked && minimal ? static_cast<std::uint8_t>(b0 & 0x0F) : std::uint8_t{0xFF},
                   (b0 & 0x80) != 0, std::move(payload)});
    pos += header + 4 + n;
  }
  return pos;
}

// A connected pair of non-blocking stream sockets: [0] for the code under
// test, [1] for the test's end.
struct SocketPair {
  int fd[2] = {-1, -1};
  SocketPair() { ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fd); }
  ~SocketPair() {
    ::close(fd[0]);
    ::close(fd[1]);
  }
  // Everything readable at the test's end now.
  std::string drain() const {
    std::string out;
    char buf[65536];
    ssize_t n;
    while ((n = ::read(fd[1], buf, sizeof buf)) > 0) out.append(buf, static_cast<std::size_t>(n));
    return out;
  }
};

}  // namespace linecast::bench::testing
