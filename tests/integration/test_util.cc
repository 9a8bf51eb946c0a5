#include "test_util.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <unordered_set>

namespace linecast::test {

std::string escapeBytes(std::string_view bytes, std::size_t maxShown) {
  std::string out;
  out.reserve(std::min(bytes.size(), maxShown) + 16);
  std::size_t shown = std::min(bytes.size(), maxShown);
  for (std::size_t i = 0; i < shown; ++i) {
    auto c = static_cast<unsigned char>(bytes[i]);
    switch (c) {
      case '\r': out += "\\r"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\\': out += "\\\\"; break;
      default:
        if (c >= 0x20 && c < 0x7F) {
          out += static_cast<char>(c);
        } else {
          char hex[8];
          std::snprintf(hex, sizeof hex, "\\x%02X", c);
          out += hex;
        }
    }
  }
  if (shown < bytes.size()) {
    out += "...(" + std::to_string(bytes.size()) + " bytes)";
  }
  return "\"" + out + "\"";
}

int msUntil(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<milliseconds>(deadline - Clock::now()).count();
  if (left <= 0) return 0;
  // Round up so that a poll() never returns just before the deadline and
  // makes the caller spin.
  return static_cast<int>(std::min<long long>(left + 1, 60'000));
}

namespace {

// The low end of the kernel's ephemeral port range (32768 by default).
int ephemeralLow() {
  int low = 32768, high = 60999;
  if (std::FILE* f = std::fopen("/proc/sys/net/ipv4/ip_local_port_range", "r")) {
    if (std::fscanf(f, "%d %d", &low, &high) != 2) low = 32768;
    std::fclose(f);
  }
  return low;
}

bool bindable(std::uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  bool ok = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

}  // namespace

// Chosen below the kernel's ephemeral range: every client socket of every
// test running beside this one, and every `--port 0` listener, takes its
// port from that range, so a port found free there may be someone's by the
// time the server binds it (a CI run lost a test to "bind
// 127.0.0.1:33353: Address already in use"). Below it only other
// freePort() callers compete, each picking at random. A fixture that asks
// for two ports before its server binds either (MQTT and HTTP) would get
// the same one back now and then (a CI run: "--mqtt-port 30682
// --http-port 30682", "Address already in use"), so no port is handed out
// twice by one test process.
std::uint16_t freePort() {
  static std::mt19937 random(std::random_device{}());
  static std::unordered_set<std::uint16_t> handedOut;
  int low = ephemeralLow();
  if (low > 10001) {
    std::uniform_int_distribution<int> pick(10000, low - 1);
    for (int attempt = 0; attempt < 1000; ++attempt) {
      auto port = static_cast<std::uint16_t>(pick(random));
      if (handedOut.contains(port) || !bindable(port)) continue;
      handedOut.insert(port);
      return port;
    }
  }
  // No room below the range: whatever the kernel gives.
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

}  // namespace linecast::test
